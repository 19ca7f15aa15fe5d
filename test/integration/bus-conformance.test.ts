import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { jsonCodec } from '../../src/kit/bus/codecs.ts';
import { createEnvelope } from '../../src/kit/bus/envelope.ts';
import { PermanentError, RemoteError, RequestTimeoutError } from '../../src/kit/bus/errors.ts';
import type { Message } from '../../src/kit/bus/message.ts';
import { busRequestSeconds } from '../../src/kit/observe/metrics.ts';
import { transportFixtures } from '../helpers/bus-fixtures.ts';
import { sleep, waitFor } from '../helpers/wait.ts';

/** Replies the callers in this process took as answers, on one transport. */
async function requestsAnswered(kind: string): Promise<number> {
  const { values } = await busRequestSeconds.get();
  const count = values.find((v) => v.metricName === 'mensageiro_bus_request_seconds_count' && v.labels.transport === kind && v.labels.outcome === 'ok');
  return count?.value ?? 0;
}

for (const fx of transportFixtures()) {
  describe(`bus conformance: ${fx.name}`, { skip: fx.skip, timeout: 60_000 }, () => {
    afterEach(() => fx.cleanup());

    it('fans a topic out to every subscriber, with * and # wildcards', async () => {
      const prefix = `conf${Date.now()}`;
      const got: Record<string, string[]> = { exact: [], star: [], hash: [], leadingStar: [] };
      const patterns: Record<string, string> = {
        exact: `${prefix}.orders.created`,
        star: `${prefix}.orders.*`,
        hash: `${prefix}.#`,
        leadingStar: `${prefix}.*.created`,
      };
      for (const [name, pattern] of Object.entries(patterns)) {
        const bus = await fx.bus();
        await bus.subscribe<{ n: number }>(pattern, (msg) => void got[name]!.push(`${msg.body.n}`));
      }
      const publisher = await fx.bus();
      await publisher.publish(`${prefix}.orders.created`, { n: 1 });
      await publisher.publish(`${prefix}.orders.eu.created`, { n: 2 });
      await publisher.publish(`${prefix}.payments.created`, { n: 3 });
      await publisher.publish(`${prefix}`, { n: 4 });
      await waitFor(() => got.hash!.length === 4, 'the # subscriber to see all four');
      await sleep(100);
      assert.deepEqual(got.exact, ['1']);
      assert.deepEqual(got.star, ['1']);
      assert.deepEqual(got.leadingStar!.sort(), ['1', '3']);
      assert.deepEqual(got.hash!.sort(), ['1', '2', '3', '4']);
    });

    it('carries headers and either codec, and decodes by content type', async () => {
      const queue = fx.queue('codec');
      const bus = await fx.bus({ codec: 'msgpack' });
      const seen: Message<unknown>[] = [];
      await bus.consume(queue, (msg) => void seen.push(msg), { prefetch: 5 });
      const sender = await fx.bus();
      await sender.send(queue, { kind: 'json', bytes: [1, 2] }, { headers: { 'x-tenant': 'acme' } });
      await sender.send(queue, { kind: 'msgpack', big: 2 ** 40 }, { codec: 'msgpack' });
      await waitFor(() => seen.length === 2, 'both messages');
      const byKind = Object.fromEntries(seen.map((m) => [(m.body as { kind: string }).kind, m]));
      assert.equal(byKind.json!.envelope.contentType, 'application/json');
      assert.equal(byKind.json!.headers['x-tenant'], 'acme');
      assert.match(byKind.json!.headers.traceparent!, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      assert.deepEqual(byKind.json!.body, { kind: 'json', bytes: [1, 2] });
      assert.equal(byKind.msgpack!.envelope.contentType, 'application/msgpack');
      assert.deepEqual(byKind.msgpack!.body, { kind: 'msgpack', big: 2 ** 40 });
    });

    it('shares a queue between competing consumers, each message to one of them', async () => {
      const queue = fx.queue('compete');
      const seen = new Map<string, string[]>();
      for (const name of ['a', 'b']) {
        const bus = await fx.bus();
        seen.set(name, []);
        await bus.consume<{ i: number }>(queue, async (msg) => {
          seen.get(name)!.push(String(msg.body.i));
          await sleep(2);
        }, { prefetch: 5 });
      }
      const sender = await fx.bus();
      await Promise.all(Array.from({ length: 200 }, (_, i) => sender.send(queue, { i })));
      await waitFor(() => seen.get('a')!.length + seen.get('b')!.length >= 200, 'all 200 messages');
      await sleep(100);
      const all = [...seen.get('a')!, ...seen.get('b')!];
      assert.equal(all.length, 200);
      assert.equal(new Set(all).size, 200);
      assert.ok(seen.get('a')!.length > 20 && seen.get('b')!.length > 20, `both share the work: ${seen.get('a')!.length}/${seen.get('b')!.length}`);
    });

    it('bounds what is in flight by prefetch', async () => {
      const queue = fx.queue('prefetch');
      const bus = await fx.bus();
      let inFlight = 0;
      let peak = 0;
      let done = 0;
      await bus.consume(queue, async () => {
        peak = Math.max(peak, ++inFlight);
        await sleep(50);
        inFlight--;
        done++;
      }, { prefetch: 3 });
      const sender = await fx.bus();
      await Promise.all(Array.from({ length: 12 }, (_, i) => sender.send(queue, { i })));
      await waitFor(() => done === 12, 'all 12 handled');
      assert.equal(peak, 3);
    });

    it('redelivers to another consumer what a dead consumer held unacked', async () => {
      const queue = fx.queue('crash');
      const doomed = await fx.bus();
      const held: string[] = [];
      await doomed.consume(queue, (msg) => {
        held.push(msg.envelope.id);
        return new Promise<void>(() => {}); // never finishes: the process "hangs" then dies
      }, { prefetch: 1 });
      const sender = await fx.bus();
      await sender.send(queue, { order: 42 });
      await waitFor(() => held.length === 1, 'the doomed consumer to take the message');
      await doomed.close({ graceMs: 0 });

      const survivor = await fx.bus();
      const got: Message<{ order: number }>[] = [];
      await survivor.consume<{ order: number }>(queue, (msg) => void got.push(msg), { prefetch: 1 });
      await waitFor(() => got.length === 1, 'the survivor to get the message', 20_000);
      assert.equal(got[0]!.body.order, 42);
      assert.equal(got[0]!.envelope.attempt, 2);
    });

    it('parks a message after maxAttempts, lists it, and replays it', async () => {
      const queue = fx.queue('dlq');
      const bus = await fx.bus();
      const attempts: number[] = [];
      const sub = await bus.consume(queue, (msg) => {
        attempts.push(msg.envelope.attempt);
        throw new Error('inventory service down');
      }, { prefetch: 1, maxAttempts: 3, retryDelayMs: 20 });
      await bus.send(queue, { sku: 'A-1' });
      await waitFor(async () => (await bus.deadLetters(queue)).length === 1, 'the message in the dead-letter queue');
      assert.deepEqual(attempts, [1, 2, 3]);
      const [parked] = await bus.deadLetters(queue);
      assert.equal(parked!.headers['x-dead-letter-reason'], 'Error: inventory service down');
      assert.equal(parked!.headers['x-dead-letter-queue'], queue);
      await sub.cancel();

      const fixed: Message<{ sku: string }>[] = [];
      await bus.consume<{ sku: string }>(queue, (msg) => void fixed.push(msg), { prefetch: 1 });
      assert.equal(await bus.replayDeadLetters(queue), 1);
      await waitFor(() => fixed.length === 1, 'the replayed message');
      assert.equal(fixed[0]!.body.sku, 'A-1');
      assert.equal(fixed[0]!.envelope.attempt, 1);
      assert.equal((await bus.deadLetters(queue)).length, 0);
    });

    it('parks a PermanentError at once, without retrying', async () => {
      const queue = fx.queue('permanent');
      const bus = await fx.bus();
      let calls = 0;
      await bus.consume(queue, () => {
        calls++;
        throw new PermanentError('amount must be positive');
      }, { prefetch: 1, maxAttempts: 5, retryDelayMs: 0 });
      await bus.send(queue, { amount: -1 });
      await waitFor(async () => (await bus.deadLetters(queue)).length === 1, 'the parked message');
      assert.equal(calls, 1);
    });

    it('holds a delayed send back for its delay', async () => {
      const queue = fx.queue('delay');
      const bus = await fx.bus();
      const arrivals: number[] = [];
      await bus.consume(queue, () => void arrivals.push(Date.now()), { prefetch: 5 });
      const sentAt = Date.now();
      await bus.send(queue, { later: true }, { delayMs: 600 });
      await bus.send(queue, { now: true });
      await waitFor(() => arrivals.length === 2, 'both messages');
      assert.ok(arrivals[0]! - sentAt < 500, 'the undelayed one comes first');
      assert.ok(arrivals[1]! - sentAt >= 550, `the delayed one waits (${arrivals[1]! - sentAt} ms)`);
    });

    it('answers requests, returns handler errors typed, and times out', async () => {
      const queue = fx.queue('rpc');
      const server = await fx.bus();
      await server.respond<{ x: number }>(queue, ({ x }) => {
        if (x < 0) throw new RangeError('x must not be negative');
        return { doubled: x * 2 };
      });
      const client = await fx.bus();
      assert.deepEqual(await client.request(queue, { x: 21 }), { doubled: 42 });
      assert.deepEqual(await client.request(queue, { x: 4 }, { codec: 'msgpack' }), { doubled: 8 });
      await assert.rejects(client.request(queue, { x: -1 }), (err: unknown) => {
        assert.ok(err instanceof RemoteError);
        assert.equal(err.remoteType, 'RangeError');
        assert.equal(err.message, 'x must not be negative');
        return true;
      });
      const results = await Promise.all(Array.from({ length: 100 }, (_, x) => client.request<{ doubled: number }>(queue, { x })));
      assert.deepEqual(results.map((r) => r.doubled), Array.from({ length: 100 }, (_, x) => x * 2));

      const nobody = fx.queue('nobody');
      const started = Date.now();
      await assert.rejects(client.request(nobody, {}, { timeoutMs: 300 }), RequestTimeoutError);
      assert.ok(Date.now() - started >= 290);
    });

    it('settles a request once when its responder dies after replying and another answers it again', async () => {
      const queue = fx.queue('reply-twice');
      const doomed = await fx.bus();
      let replied = false;
      // Replies, then dies without acking: the engine hands the request out again, and it is answered twice.
      await doomed.transport.consume(queue, (delivery) => {
        const { replyTo, correlationId, id } = delivery.envelope;
        const reply = createEnvelope(jsonCodec.encode({ from: 'doomed' }), { correlationId: correlationId ?? id, contentType: jsonCodec.contentType });
        void doomed.transport.reply(replyTo!, reply).then(() => (replied = true));
      }, { prefetch: 1 });
      const client = await fx.bus();
      const answered = () => requestsAnswered(client.kind);
      const before = await answered();
      assert.deepEqual(await client.request(queue, { n: 1 }, { timeoutMs: 20_000 }), { from: 'doomed' });
      await waitFor(() => replied, 'the doomed responder to have replied');
      await doomed.close({ graceMs: 0 });

      const survivor = await fx.bus();
      let calls = 0;
      await survivor.respond<{ n: number }>(queue, ({ n }) => {
        calls++;
        return { from: 'survivor', n };
      });
      await waitFor(() => calls === 1, 'the survivor to answer the request again', 20_000);
      // Its second reply reaches the client before this answer, which comes the same way: the client dropped it.
      assert.deepEqual(await client.request(queue, { n: 2 }, { timeoutMs: 20_000 }), { from: 'survivor', n: 2 });
      assert.equal(calls, 2);
      assert.equal((await answered()) - before, 2, 'two answers for two requests');
    });

    it('delivers 10,000 queued messages with none lost and none duplicated', async () => {
      const queue = fx.queue('bulk');
      const consumer = await fx.bus();
      const seen = new Set<number>();
      let duplicates = 0;
      await consumer.consume<{ i: number }>(queue, (msg) => {
        if (seen.has(msg.body.i)) duplicates++;
        seen.add(msg.body.i);
      }, { prefetch: 200 });
      const sender = await fx.bus();
      for (let start = 0; start < 10_000; start += 500) {
        await Promise.all(Array.from({ length: 500 }, (_, k) => sender.send(queue, { i: start + k })));
      }
      await waitFor(() => seen.size === 10_000, 'all 10,000 messages', 60_000);
      await sleep(200);
      assert.equal(duplicates, 0);
      assert.equal(seen.size, 10_000);
    });

    it('hands out nothing it was acked for again once its consumer has closed', async () => {
      const queue = fx.queue('acked');
      const sender = await fx.bus();
      // Queued before the consumer starts, so that deliveries come in bursts and are acked many in a turn.
      await Promise.all(Array.from({ length: 300 }, (_, i) => sender.send(queue, { i })));
      const first = await fx.bus();
      const handled = new Set<number>();
      await first.consume<{ i: number }>(queue, async (msg) => {
        if (msg.body.i % 7 === 0) await sleep(5); // some finish out of order, behind others still running
        handled.add(msg.body.i);
      }, { prefetch: 50 });
      await waitFor(() => handled.size === 300, 'all 300 handled');
      await first.close();

      const second = await fx.bus();
      const again: number[] = [];
      await second.consume<{ i: number }>(queue, (msg) => void again.push(msg.body.i), { prefetch: 50 });
      await sender.send(queue, { i: -1 });
      await waitFor(() => again.includes(-1), 'the marker sent after the close');
      assert.deepEqual(again, [-1], 'nothing acked was delivered a second time');
    });

    it('reconnects after the engine connection drops, losing nothing queued', { skip: fx.hasConnection ? undefined : 'the memory transport has no connection to drop' }, async () => {
      const queue = fx.queue('reconnect');
      const topic = `reconnect${Date.now()}.tick`;
      const { bus, proxy } = await fx.busBehindProxy();
      const queued = new Set<number>();
      const ticks: number[] = [];
      await bus.consume<{ i: number }>(queue, (msg) => void queued.add(msg.body.i), { prefetch: 20 });
      await bus.subscribe<{ i: number }>(topic, (msg) => void ticks.push(msg.body.i));
      const sender = await fx.bus();
      for (let i = 0; i < 300; i++) {
        // The second drop waits for the first reconnect: a fast sender can reach 200 within the reconnect back-off.
        if (i === 200) await waitFor(() => proxy.connections > 0, 'the bus to reconnect after the first drop', 20_000);
        if (i === 100 || i === 200) assert.ok(proxy.drop() > 0, 'there were connections to drop');
        await sender.send(queue, { i });
        await sender.publish(topic, { i });
        if (i % 20 === 0) await sleep(5);
      }
      await waitFor(() => queued.size === 300, `all 300 queued messages after two drops (got ${queued.size})`, 30_000);
      // Topics are at most once: what was in flight during a drop may be gone, but the subscription comes back.
      const before = ticks.length;
      await waitFor(async () => {
        await sender.publish(topic, { i: 1000 });
        return ticks.length > before;
      }, 'topic messages to flow again after reconnecting', 20_000);

      // The reconnected bus can send and answer too.
      const rpc = fx.queue('reconnect-rpc');
      await bus.respond<number>(rpc, (n) => n + 1);
      assert.equal(await sender.request(rpc, 1, { timeoutMs: 5_000 }), 2);
      assert.equal(await bus.request(rpc, 2, { timeoutMs: 5_000 }), 3);
    });
  });
}

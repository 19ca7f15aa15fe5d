import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Channel, type ChannelModel, type ConsumeMessage, connect } from 'amqplib';
import type { Bus } from '../../src/kit/bus/bus.ts';
import { createBus } from '../../src/kit/bus/registry.ts';
import { createLogger } from '../../src/kit/observe/log.ts';
import { parseSalesRequest } from '../../src/systems/sales/domain/parse-sales-request.ts';
import { SALES_REQUESTS_QUEUE } from '../../src/systems/sales/domain/protocol.ts';
import type { SalesResponse } from '../../src/systems/sales/domain/sales-query.ts';
import { runSalesBench } from '../../src/systems/sales/bench/sales-bench.ts';
import { InlineQueryExecutor } from '../../src/systems/sales/roles/query-executor.ts';
import { SalesBalancer } from '../../src/systems/sales/roles/sales-balancer.ts';
import { SalesWorker } from '../../src/systems/sales/roles/sales-worker.ts';
import { SalesReader } from '../../src/systems/sales/store/sales-reader.ts';
import { seedDatabase } from '../../src/systems/sales/store/seed-database.ts';
import { exitOf, freePort, startCli } from '../helpers/cli-process.ts';
import { engine } from '../helpers/engines.ts';
import { sleep, waitFor } from '../helpers/wait.ts';

const amqp = engine('amqp');
const log = createLogger('test');
const WORKERS = ['mom-worker-1', 'mom-worker-2', 'mom-worker-3'];

async function deleteSalesQueues(url: string, workers = WORKERS): Promise<void> {
  const admin = await createBus(url);
  for (const queue of [SALES_REQUESTS_QUEUE, ...workers]) await admin.deleteQueue(queue);
  await admin.close();
}

describe('sales on RabbitMQ', { skip: amqp.skip, timeout: 180_000 }, () => {
  let dir = '';
  let db = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sales-amqp-'));
    db = join(dir, 'sales.db');
    await seedDatabase(db, { sales: 5_000, products: 100, seed: 7 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('a cluster of separate processes', () => {
    const processes: Array<ReturnType<typeof startCli>> = [];
    let balancer: ReturnType<typeof startCli>;
    let balancerPort = 0;
    let client: Bus;
    let plain: ChannelModel;

    before(async () => {
      await deleteSalesQueues(amqp.url!);
      balancerPort = await freePort();
      const port = balancerPort;
      balancer = startCli(['sales', 'balancer', '--bus', amqp.url!, '--port', String(port), '--stats-every', '1s'], { MENSAGEIRO_LOG_LEVEL: 'info' });
      processes.push(balancer);
      // mom-worker-2 is slow, so that when it is killed it holds requests in hand and in its queue.
      for (const id of WORKERS) processes.push(startCli(['sales', 'worker', '--id', id, '--bus', amqp.url!, '--db', db, ...(id === 'mom-worker-2' ? ['--delay-ms', '100'] : [])]));
      for (const p of processes) await waitFor(() => /running|listening/.test(p.output()), 'each process to start', 30_000);
      client = await createBus(amqp.url);
      await waitFor(async () => {
        const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { workers: Array<{ healthy: boolean }> };
        return health.workers.filter((w) => w.healthy).length === 3;
      }, 'the balancer to see three healthy workers', 20_000);
      plain = await connect(amqp.url!);
    });
    after(async () => {
      for (const p of processes) p.kill('SIGKILL');
      await client?.close({ graceMs: 0 });
      await plain?.close().catch(() => {});
      await deleteSalesQueues(amqp.url!);
    });

    /** The seed's client: its own exclusive reply queue, a JSON body on sales_requests, no kit. */
    async function plainRequest(channel: Channel, replyQueue: string, replies: Map<string, ConsumeMessage>, body: Buffer, contentType = 'application/json'): Promise<ConsumeMessage> {
      const correlationId = `${Date.now()}-${Math.random()}`;
      channel.sendToQueue(SALES_REQUESTS_QUEUE, body, { contentType, correlationId, replyTo: replyQueue });
      await waitFor(() => replies.has(correlationId), `the reply to ${correlationId}`, 10_000);
      return replies.get(correlationId)!;
    }

    it('answers a plain AMQP client, as the seed’s, with the right totals from the worker that ran it', async () => {
      const channel = await plain.createChannel();
      const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
      const replies = new Map<string, ConsumeMessage>();
      await channel.consume(queue, (msg) => msg && replies.set(msg.properties.correlationId as string, msg), { noAck: true });

      const request = { region: 'Europe', category: 'Computers', start_date: '2021-01-01', end_date: '2024-06-30', start_hour: 8, end_hour: 18 };
      const reply = await plainRequest(channel, queue, replies, Buffer.from(JSON.stringify(request)));
      const answer = JSON.parse(reply.content.toString()) as SalesResponse;
      const reader = SalesReader.open(db);
      const expected = reader.query(parseSalesRequest(request));
      reader.close();
      assert.ok(expected.count > 0, 'the query matches some sales');
      assert.equal(answer.total_sales_count, expected.count);
      assert.equal(answer.total_revenue, expected.revenue);
      assert.equal(answer.average_amount, expected.revenue / expected.count);
      assert.match(answer.region_processed, /^mom-worker-[123]$/);
      await channel.close();
    });

    it('gives bad requests an error reply with the reason, and keeps serving', async () => {
      const channel = await plain.createChannel();
      const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
      const replies = new Map<string, ConsumeMessage>();
      await channel.consume(queue, (msg) => msg && replies.set(msg.properties.correlationId as string, msg), { noAck: true });
      const cases: Array<[Buffer, string, RegExp]> = [
        [Buffer.from('{"region": "Europe",'), 'application/json', /JSON|parse|decode/i],
        [Buffer.from([0xc1, 0xc1, 0xff]), 'application/msgpack', /msgpack|decode/i],
        [Buffer.from(JSON.stringify({ start_hour: 'ten' })), 'application/json', /start_hour/],
        [Buffer.from(JSON.stringify({ region: 'Atlantis' })), 'application/json', /region/],
        [Buffer.from(JSON.stringify([1, 2])), 'application/json', /object/i],
      ];
      for (const [body, contentType, reason] of cases) {
        const reply = await plainRequest(channel, queue, replies, body, contentType);
        assert.equal(reply.properties.headers?.['x-error-type'] !== undefined, true, `an error reply for ${body.toString()}`);
        const text = reply.properties.contentType === 'application/json' ? (JSON.parse(reply.content.toString()) as { error: string }).error : String(reply.properties.headers?.['x-error']);
        assert.match(text, reason);
      }
      const ok = await client.request<SalesResponse>(SALES_REQUESTS_QUEUE, { region: 'Asia' }, { timeoutMs: 5_000 });
      assert.ok(ok.total_sales_count > 0, 'Asia has sales');
      for (const p of processes) assert.equal(p.exitCode, null, 'no process died');
      await channel.close();
    });

    it('loses no request when a worker process is killed under load', async () => {
      const victim = processes[2]!;
      const bench = runSalesBench({ bus: client, rate: 300, durationMs: 6_000, concurrency: 100, timeoutMs: 8_000, progress: false });
      await sleep(2_000);
      victim.kill('SIGKILL');
      const { load, perWorker } = await bench;
      assert.equal(load.failed, 0, `every request answered; failures: ${JSON.stringify(load.errors)}`);
      assert.equal(load.ok, load.count);
      assert.ok((perWorker['mom-worker-2'] ?? 0) > 0, 'the victim answered before it died');
      assert.match(balancer.output(), /worker is down.*mom-worker-2/);
      // The sweep logs when it has emptied the victim's queue, which on a loaded broker can be after the last answer.
      await waitFor(() => /re-routed requests from a down worker.*mom-worker-2/.test(balancer.output()), 'the balancer to report what it moved from the victim to the others');
      const health = (await (await fetch(`http://127.0.0.1:${balancerPort}/health`)).json()) as { workers: Array<{ member: string; healthy: boolean }> };
      assert.deepEqual(
        health.workers.map((w) => [w.member, w.healthy]),
        [
          ['mom-worker-1', true],
          ['mom-worker-2', false],
          ['mom-worker-3', true],
        ],
      );
    });
  });

  describe('beside the seed’s own processes (--seed-compatible)', () => {
    const worker = `test.seed-worker.${randomUUID().slice(0, 8)}`;
    const processes: Array<ReturnType<typeof startCli>> = [];
    let plain: ChannelModel;

    /** The seed's balancer and worker declare their queues durable, with no arguments. */
    async function declareTheSeedsWay(): Promise<void> {
      const channel = await plain.createChannel();
      for (const queue of [SALES_REQUESTS_QUEUE, worker]) await channel.assertQueue(queue, { durable: true });
      await channel.close();
    }

    before(async () => {
      await deleteSalesQueues(amqp.url!, [worker]);
      plain = await connect(amqp.url!);
      await declareTheSeedsWay();
    });
    after(async () => {
      for (const p of processes) p.kill('SIGKILL');
      await plain?.close().catch(() => {});
      await deleteSalesQueues(amqp.url!, [worker]);
    });

    it('without it, a balancer says why it cannot use the seed’s queues and what to do', async () => {
      const balancer = startCli(['sales', 'balancer', '--bus', amqp.url!, '--workers', worker, '--port', '0']);
      processes.push(balancer);
      assert.equal(await exitOf(balancer, 30_000), 1, balancer.output());
      assert.match(balancer.output(), /sales_requests.*already exists with other arguments/);
      assert.match(balancer.output(), /--seed-compatible/);
    });

    it('with it, the balancer and a worker share the seed’s queues and answer a seed client, leaving the queues as the seed declared them', async () => {
      const balancer = startCli(['sales', 'balancer', '--seed-compatible', '--bus', amqp.url!, '--workers', worker, '--port', '0']);
      const salesWorker = startCli(['sales', 'worker', '--seed-compatible', '--id', worker, '--bus', amqp.url!, '--db', db]);
      processes.push(balancer, salesWorker);
      for (const p of [balancer, salesWorker]) await waitFor(() => /running|listening/.test(p.output()) || p.exitCode !== null, 'each process to start', 30_000);
      for (const p of [balancer, salesWorker]) assert.equal(p.exitCode, null, p.output());

      const channel = await plain.createChannel();
      const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
      const replies = new Map<string, ConsumeMessage>();
      await channel.consume(queue, (msg) => msg && replies.set(msg.properties.correlationId as string, msg), { noAck: true });
      const correlationId = randomUUID();
      channel.sendToQueue(SALES_REQUESTS_QUEUE, Buffer.from(JSON.stringify({ region: 'Asia' })), { contentType: 'application/json', correlationId, replyTo: queue });
      await waitFor(() => replies.has(correlationId), 'the reply', 20_000);
      const answer = JSON.parse(replies.get(correlationId)!.content.toString()) as SalesResponse;
      assert.ok(answer.total_sales_count > 0, 'Asia has sales');
      assert.equal(answer.region_processed, worker);
      await channel.close();

      // RabbitMQ closes the channel with 406 if a queue's arguments no longer match the seed's declaration.
      await declareTheSeedsWay();
    });
  });

  it('least outstanding requests: a worker slowed 5× gets well under half of what each fast worker gets', async () => {
    await deleteSalesQueues(amqp.url!);
    const buses: Bus[] = [];
    const open = async () => {
      const bus = await createBus(amqp.url);
      buses.push(bus);
      return bus;
    };
    const balancer = new SalesBalancer({ bus: await open(), workers: WORKERS, log });
    const workers = await Promise.all(
      WORKERS.map(async (id, i) => new SalesWorker({ bus: await open(), id, executor: new InlineQueryExecutor(db), log, delayMs: i === 2 ? 250 : 50 })),
    );
    try {
      await balancer.start();
      for (const worker of workers) await worker.start();
      await waitFor(() => balancer.stats().every((s) => s.healthy), 'the workers to be healthy');
      const client = await open();
      // The delay dwarfs the rest of a request's path (the broker hops, the completion report), as a slow
      // database would: the balancer then sees the slow worker's requests stay outstanding five times longer.
      const query = { region: 'Europe', category: 'Books', start_date: '2023-01-01', end_date: '2023-03-31' };
      const perWorker: Record<string, number> = {};
      let next = 0;
      await Promise.all(
        Array.from({ length: 30 }, async () => {
          while (next++ < 1_200) {
            const reply = await client.request<SalesResponse>(SALES_REQUESTS_QUEUE, query, { timeoutMs: 10_000 });
            perWorker[reply.region_processed] = (perWorker[reply.region_processed] ?? 0) + 1;
          }
        }),
      );
      const [fast1 = 0, fast2 = 0, slow = 0] = WORKERS.map((id) => perWorker[id]);
      assert.equal(fast1 + fast2 + slow, 1_200);
      // Ideally a fifth; the paths' fixed costs, larger on a loaded machine, pull it up (a third was seen once).
      // Round-robin would give it as much as the others.
      assert.ok(slow <= fast1 * 0.4 && slow <= fast2 * 0.4, `slow got ${slow}, fast got ${fast1} and ${fast2}`);
      assert.ok(slow > 0, 'the slow worker still gets some');
    } finally {
      await balancer.stop();
      await Promise.allSettled(workers.map((w) => w.stop()));
      await Promise.allSettled(buses.map((b) => b.close({ graceMs: 0 })));
      await deleteSalesQueues(amqp.url!);
    }
  });
});

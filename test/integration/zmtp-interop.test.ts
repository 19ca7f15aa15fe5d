import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { describe, it } from 'node:test';
import { Dealer, Proxy, Publisher, Reply, Request, Router, Subscriber, XPublisher, XSubscriber } from 'zeromq';
import { ZmtpConnection, connectZmtp } from '../../src/kit/zmtp/zmtp-connection.ts';
import { ZmtpBroker } from '../../src/kit/zmtp/zmtp-broker.ts';
import { ZmtpPublisher } from '../../src/kit/zmtp/zmtp-publisher.ts';
import { ZmtpPubSubProxy } from '../../src/kit/zmtp/zmtp-pubsub-proxy.ts';
import { ZmtpSubscriber } from '../../src/kit/zmtp/zmtp-subscriber.ts';
import { ZmtpReplier } from '../../src/kit/zmtp/zmtp-replier.ts';
import { sleep, waitFor } from '../helpers/wait.ts';

const LOCAL = 'tcp://127.0.0.1:0';
const EMPTY = Buffer.alloc(0);

/** Collects what a connection receives; `next()` resolves with the next message. */
function inbox() {
  const messages: Buffer[][] = [];
  const waiting: Array<(frames: Buffer[]) => void> = [];
  return {
    onMessage(frames: Buffer[]) {
      const take = waiting.shift();
      if (take) take(frames);
      else messages.push(frames);
    },
    next(timeoutMs = 5_000): Promise<Buffer[]> {
      const ready = messages.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no message within ${timeoutMs} ms`)), timeoutMs);
        waiting.push((frames) => {
          clearTimeout(timer);
          resolve(frames);
        });
      });
    },
  };
}

/** Binds where a closed libzmq socket was: libzmq frees the port in its own thread, a moment after close. */
async function bindWhenFree(socket: { bind(endpoint: string): Promise<void> }, endpoint: string): Promise<void> {
  await waitFor(async () => {
    try {
      await socket.bind(endpoint);
      return true;
    } catch {
      return false;
    }
  }, 'the old port to be free to bind again', 5_000);
}

describe('ZMTP over node:net, against libzmq sockets', { timeout: 60_000 }, () => {
  it('a JS REQ reaches a libzmq ROUTER with a request sent before the handshake is done, and gets its reply', async () => {
    const router = new Router({ linger: 0 });
    await router.bind(LOCAL);
    const echoed = (async () => {
      for await (const [id, delimiter, body] of router) await router.send([id!, delimiter!, Buffer.concat([Buffer.from('re:'), body!])]);
    })().catch(() => undefined);
    const connections: ZmtpConnection[] = [];
    try {
      // Fresh connections, each sending at once: libzmq drops a message that arrives ahead of its handshake.
      const replies = await Promise.all(
        Array.from({ length: 32 }, async (_, n) => {
          const box = inbox();
          const connection = connectZmtp(router.lastEndpoint!, { socketType: 'REQ', onMessage: box.onMessage });
          connections.push(connection);
          connection.send([EMPTY, Buffer.from(`n${n}`)]);
          return (await box.next()).map((frame) => frame.toString());
        }),
      );
      replies.forEach((frames, n) => assert.deepEqual(frames, ['', `re:n${n}`]));
      assert.equal(connections[0]!.peerSocketType, 'ROUTER');
    } finally {
      for (const connection of connections) connection.close();
      router.close();
      await echoed;
    }
  });

  it('a JS DEALER talks to a libzmq REP, and a JS REP behind a libzmq DEALER answers along the envelope', async () => {
    const rep = new Reply({ linger: 0 });
    await rep.bind(LOCAL);
    const served = (async () => {
      for await (const [body] of rep) await rep.send(Buffer.concat([body!, Buffer.from('!')]));
    })().catch(() => undefined);
    const box = inbox();
    const dealer = connectZmtp(rep.lastEndpoint!, { socketType: 'DEALER', onMessage: box.onMessage });

    const backend = new Dealer({ linger: 0 });
    await backend.bind(LOCAL);
    const handled: string[] = [];
    const replier = new ZmtpReplier({
      endpoint: backend.lastEndpoint!,
      handle: async (body) => {
        handled.push(body.toString());
        await sleep(5); // one at a time: the next request waits for this answer
        return Buffer.from(`answer to ${body.toString()} after ${handled.length}`);
      },
    });
    try {
      dealer.send([EMPTY, Buffer.from('ping')]);
      assert.deepEqual((await box.next()).map(String), ['', 'ping!']);

      await backend.send([Buffer.from('client-a'), EMPTY, Buffer.from('one')]);
      await backend.send([Buffer.from('client-b'), EMPTY, Buffer.from('two')]);
      const first = (await backend.receive()).map(String);
      const second = (await backend.receive()).map(String);
      assert.deepEqual(first, ['client-a', '', 'answer to one after 1']);
      assert.deepEqual(second, ['client-b', '', 'answer to two after 2']);
    } finally {
      dealer.close();
      await replier.close();
      rep.close();
      backend.close();
      await served;
    }
  });

  it('a JS REP dials again when its broker goes away, and serves the new one on the same port', async () => {
    const backend = new Dealer({ linger: 0 });
    await backend.bind(LOCAL);
    const endpoint = backend.lastEndpoint!;
    const replier = new ZmtpReplier({ endpoint, handle: async (body) => Buffer.concat([Buffer.from('ok '), body]) });
    let again: Dealer | undefined;
    try {
      await backend.send([Buffer.from('c'), EMPTY, Buffer.from('before')]);
      assert.deepEqual((await backend.receive()).map(String), ['c', '', 'ok before']);
      backend.close();
      await sleep(50);
      again = new Dealer({ linger: 0, receiveTimeout: 5_000 });
      await bindWhenFree(again, endpoint);
      await again.send([Buffer.from('c'), EMPTY, Buffer.from('after')]);
      assert.deepEqual((await again.receive()).map(String), ['c', '', 'ok after']);
    } finally {
      await replier.close();
      backend.close();
      again?.close();
    }
  });

  it('answers libzmq heartbeats, so a heart-beating peer keeps the connection', async () => {
    const router = new Router({ linger: 0, heartbeatInterval: 50, heartbeatTimeout: 200, heartbeatTimeToLive: 1_000 });
    await router.bind(LOCAL);
    const box = inbox();
    let closed = false;
    const connection = connectZmtp(router.lastEndpoint!, { socketType: 'DEALER', onMessage: box.onMessage, onClose: () => (closed = true) });
    try {
      await connection.ready;
      await sleep(800); // many heartbeat timeouts' worth
      assert.equal(closed, false, 'libzmq dropped a connection that answered its PINGs');
      connection.send([Buffer.from('still here')]);
      const [id, body] = await router.receive();
      assert.equal(body!.toString(), 'still here');
      await router.send([id!, Buffer.from('yes')]);
      assert.deepEqual((await box.next()).map(String), ['yes']);
    } finally {
      connection.close();
      router.close();
    }
  });

  it('refuses a peer of an incompatible type, and bytes that are not ZMTP, with the reason', async () => {
    const publisher = new Publisher({ linger: 0 });
    await publisher.bind(LOCAL);
    const server = createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'.padEnd(80, ' ')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const toPub = connectZmtp(publisher.lastEndpoint!, { socketType: 'REQ', onMessage: () => {} });
      // Whichever side reads the other's READY first hangs up: we name the type, libzmq just closes.
      await assert.rejects(toPub.ready, /a REQ cannot talk to a PUB socket|closed before the handshake/);
      const toHttp = connectZmtp(`tcp://127.0.0.1:${port}`, { socketType: 'REQ', onMessage: () => {} });
      await assert.rejects(toHttp.ready, /does not speak ZMTP/);
      assert.equal(toHttp.send([Buffer.from('x')]), false);
    } finally {
      publisher.close();
      server.close();
    }
  });

  it('a JS PUB behind a libzmq XSUB/XPUB proxy sends what SUBs subscribed to, and only that', async () => {
    const xsub = new XSubscriber({ linger: 0 });
    const xpub = new XPublisher({ linger: 0 });
    await xsub.bind(LOCAL);
    await xpub.bind(LOCAL);
    const proxy = new Proxy(xsub, xpub);
    const proxying = proxy.run().catch(() => undefined);
    const subscriber = new Subscriber({ linger: 0, receiveTimeout: 5_000 });
    subscriber.connect(xpub.lastEndpoint!);
    subscriber.subscribe('news');
    const publisher = new ZmtpPublisher(xsub.lastEndpoint!);
    try {
      await waitFor(() => publisher.wants(Buffer.from('news.sport')), 'the subscription to reach the publisher', 5_000);
      assert.equal(publisher.wants(Buffer.from('weather')), false);
      assert.equal(publisher.publish(Buffer.from('weather'), Buffer.from('rain')), false, 'a topic nobody wants is filtered at the source');
      assert.equal(publisher.publish(Buffer.from('news.sport'), Buffer.from('goal')), true);
      assert.deepEqual((await subscriber.receive()).map(String), ['news.sport', 'goal']);

      subscriber.unsubscribe('news');
      await waitFor(() => !publisher.wants(Buffer.from('news.sport')), 'the cancel to reach the publisher', 5_000);
      assert.equal(publisher.dropped, 0);
    } finally {
      publisher.close();
      subscriber.close();
      proxy.terminate();
      await proxying;
      xsub.close();
      xpub.close();
    }
  });

  it('the broker holds requests while no server is connected, deals them out once servers come, and drops replies for clients that left', async () => {
    const broker = await ZmtpBroker.start({ frontend: LOCAL, backend: LOCAL });
    const clients = Array.from({ length: 4 }, () => {
      const req = new Request({ linger: 0, receiveTimeout: 5_000 });
      req.connect(broker.frontendEndpoint);
      return req;
    });
    const servers: Reply[] = [];
    const serve = (name: string) => {
      const rep = new Reply({ linger: 0 });
      rep.connect(broker.backendEndpoint);
      servers.push(rep);
      void (async () => {
        for await (const [body] of rep) await rep.send(`${name}:${body!.toString()}`);
      })().catch(() => undefined);
    };
    try {
      await Promise.all(clients.map((req, n) => req.send(`q${n}`)));
      await sleep(100);
      assert.equal(broker.servers, 0);
      serve('a');
      serve('b');
      const replies = await Promise.all(clients.map(async (req) => String((await req.receive())[0])));
      replies.forEach((reply, n) => assert.match(reply, new RegExp(`^[ab]:q${n}$`)));
      await waitFor(() => broker.servers === 2, 'both servers connected', 5_000);
      // Now both are there: consecutive requests alternate between them.
      const seen: string[] = [];
      for (let round = 0; round < 4; round++) {
        await clients[0]!.send('rr');
        seen.push(String((await clients[0]!.receive())[0]).split(':')[0]!);
      }
      assert.deepEqual(new Set(seen), new Set(['a', 'b']));
      assert.notEqual(seen[0], seen[1]);

      // A client that leaves with its request unanswered: its reply is dropped, and the others go on.
      const leaving = new Request({ linger: 0 });
      leaving.connect(broker.frontendEndpoint);
      await leaving.send('bye');
      leaving.close();
      await sleep(100);
      await clients[1]!.send('after');
      assert.match(String((await clients[1]!.receive())[0]), /^[ab]:after$/);
    } finally {
      for (const socket of [...clients, ...servers]) socket.close();
      await broker.close();
    }
  });

  it('drops a peer that connects and never finishes its handshake', async () => {
    const closed: Array<Error | undefined> = [];
    const server = createServer((socket) => {
      new ZmtpConnection(socket, { socketType: 'ROUTER', handshakeTimeoutMs: 200, onMessage: () => {}, onClose: (err) => closed.push(err) });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const silent = connect((server.address() as { port: number }).port, '127.0.0.1');
    try {
      silent.write(Buffer.from([0xff, 0, 0])); // the start of a greeting, then nothing
      await waitFor(() => closed.length === 1, 'the silent peer to be dropped', 5_000);
      assert.match(String(closed[0]?.message), /did not finish the ZMTP handshake within 200 ms/);
    } finally {
      silent.destroy();
      server.close();
    }
  });

  it('the pub/sub proxy carries a libzmq PUB\'s publications to libzmq SUBs by prefix, and their subscriptions up, once per prefix', async () => {
    const proxy = await ZmtpPubSubProxy.start({ xsub: LOCAL, xpub: LOCAL });
    // An XPUB as the publisher: it publishes like a PUB, and shows the subscriptions the proxy sends up.
    const publisher = new XPublisher({ linger: 0 });
    const late = new XPublisher({ linger: 0 });
    const [news, both] = [new Subscriber({ linger: 0, receiveTimeout: 5_000 }), new Subscriber({ linger: 0, receiveTimeout: 5_000 })];
    try {
      publisher.connect(proxy.xsubEndpoint);
      news.connect(proxy.xpubEndpoint);
      both.connect(proxy.xpubEndpoint);
      news.subscribe('news');
      both.subscribe('news');
      both.subscribe('weather');
      const upstream = async () => {
        const [frame] = await publisher.receive();
        return `${frame![0] === 1 ? '+' : '-'}${frame!.subarray(1).toString()}`;
      };
      assert.deepEqual(new Set([await upstream(), await upstream()]), new Set(['+news', '+weather']), 'one subscribe per prefix, however many subscribers');
      await waitFor(() => proxy.prefixes === 2, 'both prefixes at the proxy', 5_000);

      await publisher.send(['sports', 'nobody wants this']);
      await publisher.send(['news.sport', 'goal']);
      await publisher.send(['weather', 'rain']);
      assert.deepEqual((await news.receive()).map(String), ['news.sport', 'goal']);
      assert.deepEqual((await both.receive()).map(String), ['news.sport', 'goal']);
      assert.deepEqual((await both.receive()).map(String), ['weather', 'rain']);
      await waitFor(() => proxy.forwarded === 2, 'two publications forwarded, the unwanted one not', 5_000);

      late.connect(proxy.xsubEndpoint);
      const first = (await late.receive())[0]!.toString('latin1');
      const second = (await late.receive())[0]!.toString('latin1');
      assert.deepEqual(new Set([first, second]), new Set(['\x01news', '\x01weather']), 'a publisher that connects gets every subscription');

      both.close();
      assert.equal(await upstream(), '-weather', 'the last subscriber of a prefix leaving cancels it; news still has one');
      await waitFor(() => proxy.prefixes === 1, 'weather forgotten', 5_000);
    } finally {
      for (const socket of [publisher, late, news, both]) socket.close();
      await proxy.close();
    }
  });

  it('a JS SUB subscribes to a libzmq XPUB, gets only its prefixes, and subscribes again when the publisher comes back', async () => {
    const xpub = new XPublisher({ linger: 0, receiveTimeout: 5_000 });
    await xpub.bind(LOCAL);
    const endpoint = xpub.lastEndpoint!;
    const box = inbox();
    const subscriber = new ZmtpSubscriber({ endpoint, onMessage: box.onMessage });
    let again: XPublisher | undefined;
    try {
      subscriber.subscribe('a.');
      subscriber.subscribe('a.'); // counted, as libzmq does: sent up once
      assert.deepEqual((await xpub.receive()).map((f) => f.toString('latin1')), ['\x01a.']);
      await xpub.send(['b.1', 'not mine']);
      await xpub.send(['a.1', 'mine']);
      assert.deepEqual((await box.next()).map(String), ['a.1', 'mine']);

      xpub.close();
      again = new XPublisher({ linger: 0, receiveTimeout: 5_000 });
      await bindWhenFree(again, endpoint);
      assert.deepEqual((await again.receive()).map((f) => f.toString('latin1')), ['\x01a.'], 'the subscription is sent on the new connection');
      subscriber.unsubscribe('a.');
      await again.send(['a.2', 'still subscribed once']);
      assert.deepEqual((await box.next()).map(String), ['a.2', 'still subscribed once']);
      subscriber.unsubscribe('a.');
      assert.deepEqual((await again.receive()).map((f) => f.toString('latin1')), ['\x00a.'], 'the second unsubscribe cancels it');
    } finally {
      subscriber.close();
      xpub.close();
      again?.close();
    }
  });

  it('the pub/sub proxy drops, counts and reports copies for a subscriber that stops reading, and the others get everything', async () => {
    const reports: number[] = [];
    const proxy = await ZmtpPubSubProxy.start({ xsub: LOCAL, xpub: LOCAL, maxBehindBytes: 1024 * 1024, onDrop: (dropped) => reports.push(dropped) });
    let received = 0;
    const reader = new ZmtpSubscriber({ endpoint: proxy.xpubEndpoint, onMessage: () => received++ });
    reader.subscribe('t');
    // A subscriber that subscribes, then never reads again (alive, so TCP stays up).
    const stalled = connectZmtp(proxy.xpubEndpoint, { socketType: 'SUB', onMessage: () => {} });
    stalled.send([Buffer.from('\x01t', 'latin1')]);
    const publisher = new ZmtpPublisher(proxy.xsubEndpoint);
    try {
      await stalled.ready;
      stalled.pause();
      await waitFor(() => publisher.wants(Buffer.from('t')) && proxy.prefixes === 1, 'the subscriptions to reach the publisher', 5_000);
      await sleep(50); // the stalled SUB's subscribe is in too (same prefix, so nothing new goes up)
      const payload = Buffer.alloc(10 * 1024, 7);
      const total = 2_000;
      for (let n = 0; n < total; n++) {
        publisher.publish(Buffer.from('t'), payload);
        if (n % 20 === 19) await sleep(2); // the reader shares this process: let it keep up, as a steady stream would
      }
      await waitFor(() => received === total, `the reading subscriber to get all ${total} (has ${received})`, 10_000);
      assert.ok(proxy.dropped > 0, 'the stalled subscriber lost copies');
      await waitFor(() => reports.length > 0, 'the drops to be reported', 5_000);
      assert.equal(reports.at(-1)! <= proxy.dropped, true);
      assert.equal(publisher.dropped, 0, 'the publisher was never held up');
    } finally {
      publisher.close();
      reader.close();
      stalled.close();
      await proxy.close();
    }
  });
});

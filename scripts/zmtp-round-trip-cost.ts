// CPU per round trip on the client side: a zeromq.js DEALER against our ZMTP-over-node:net DEALER (writes
// coalesced per event-loop turn, or each at once), all talking to the same libzmq ROUTER echo in another
// process, with 1 and 8 requests in flight.
// Usage: node --import tsx scripts/zmtp-round-trip-cost.ts [seconds per case, default 4]
import { fork } from 'node:child_process';
import { Dealer, Router } from 'zeromq';
import { connectZmtp } from '../src/kit/zmtp/zmtp-connection.ts';

const EMPTY = Buffer.alloc(0);
const BODY = Buffer.alloc(300, 1);

if (process.argv[2] === 'echo') {
  const router = new Router({ linger: 0 });
  await router.bind('tcp://127.0.0.1:0');
  process.send!(router.lastEndpoint);
  for await (const frames of router) await router.send(frames);
} else {
  const seconds = Number(process.argv[2] ?? 4);
  const child = fork(new URL(import.meta.url).pathname, ['echo'], { execArgv: ['--import', 'tsx'] });
  const endpoint = await new Promise<string>((resolve) => child.once('message', (m) => resolve(String(m))));

  /** Keeps `inFlight` requests going for `seconds`; returns round trips and the client's CPU per round trip. */
  async function measure(start: (onReply: () => void) => { send(): void; close(): void }, inFlight: number) {
    let trips = 0;
    const end = Date.now() + seconds * 1000;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const client = start(() => {
      trips++;
      if (Date.now() < end) client.send();
      else if (--inFlight === 0) done();
    });
    await new Promise((resolve) => setTimeout(resolve, 200)); // connected
    const cpu = process.cpuUsage();
    const began = Date.now();
    for (let i = 0; i < inFlight; i++) client.send();
    await finished;
    const used = process.cpuUsage(cpu);
    client.close();
    return { perSecond: Math.round((trips / (Date.now() - began)) * 1000), cpuMicros: (used.user + used.system) / trips };
  }

  const zeromqJs = (onReply: () => void) => {
    const dealer = new Dealer({ linger: 0 });
    dealer.connect(endpoint);
    let sending = Promise.resolve();
    void (async () => {
      for await (const _ of dealer) onReply();
    })().catch(() => undefined);
    return {
      send: () => void (sending = sending.then(() => dealer.send([EMPTY, BODY])).catch(() => undefined)),
      close: () => dealer.close(),
    };
  };
  const zmtp = (coalesce: boolean) => (onReply: () => void) => {
    const connection = connectZmtp(endpoint, { socketType: 'DEALER', onMessage: onReply, coalesce });
    return { send: () => void connection.send([EMPTY, BODY]), close: () => connection.close() };
  };

  console.log(`client CPU per round trip to a libzmq ROUTER echo in another process, ${seconds} s per case:`);
  for (const inFlight of [1, 8]) {
    const cases = [
      ['zeromq.js DEALER', zeromqJs],
      ['ZMTP, coalesced', zmtp(true)],
      ['ZMTP, each at once', zmtp(false)],
    ] as const;
    for (const [name, start] of cases) {
      const { perSecond, cpuMicros } = await measure(start, inFlight);
      console.log(`${name.padEnd(20)} ${inFlight} in flight  ${String(perSecond).padStart(6)} round trips/s  ${cpuMicros.toFixed(1).padStart(6)} µs CPU each`);
    }
  }
  child.kill();
  process.exit(0);
}

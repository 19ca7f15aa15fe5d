// What one hop between two idle processes costs on this machine: round trips over zeromq.js REQ/REP and over
// plain TCP, one every 1000/rate ms, to a child process that echoes. The floor under every multi-process latency
// figure in docs/benchmarks.md.
//   node --import tsx scripts/hop-floor.ts [rate per second, default 250] [seconds, default 8]
import { fork } from 'node:child_process';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Reply, Request } from 'zeromq';

const ZMQ_ENDPOINT = 'tcp://127.0.0.1:0';

async function echoChild(): Promise<void> {
  const rep = new Reply();
  await rep.bind(ZMQ_ENDPOINT);
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (data) => socket.write(data));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.send!({ zmq: rep.lastEndpoint, tcp: (server.address() as net.AddressInfo).port });
  for await (const [message] of rep) await rep.send(message!);
}

function summary(name: string, latencies: number[]): string {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.floor(p * (sorted.length - 1))]!.toFixed(3);
  return `${name.padEnd(20)} p50 ${at(0.5)}  p90 ${at(0.9)}  p99 ${at(0.99)}  max ${at(1)} ms  (${sorted.length} round trips)`;
}

async function measure(rate: number, seconds: number): Promise<void> {
  const child = fork(process.argv[1]!, ['--child'], { execArgv: process.execArgv });
  const ports = await new Promise<{ zmq: string; tcp: number }>((resolve) => child.once('message', resolve as (m: unknown) => void));
  const count = Math.round(rate * seconds);
  try {
    const req = new Request();
    req.connect(ports.zmq);
    const zmq: number[] = [];
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      await req.send('x');
      await req.receive();
      zmq.push(performance.now() - start);
      await sleep(1_000 / rate);
    }
    req.close();

    const socket = net.connect(ports.tcp, '127.0.0.1');
    socket.setNoDelay(true);
    await new Promise((resolve) => socket.once('connect', resolve));
    const tcp: number[] = [];
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      socket.write('x');
      await new Promise((resolve) => socket.once('data', resolve));
      tcp.push(performance.now() - start);
      await sleep(1_000 / rate);
    }
    socket.destroy();
    console.log(`round trips to an idle echo process, ${rate}/s for ${seconds} s:`);
    console.log(summary('zeromq.js REQ/REP', zmq));
    console.log(summary('TCP (node:net)', tcp));
  } finally {
    child.kill();
  }
}

if (process.argv.includes('--child')) await echoChild();
else await measure(Number(process.argv[2] ?? 250), Number(process.argv[3] ?? 8));

import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { ProcessGroup } from '../../../../kit/runtime/process-group.ts';
import type { Launch } from '../../../../kit/runtime/this-cli.ts';
import { waitForOutput } from '../../../../kit/runtime/wait-for-output.ts';

export type SideName = 'mensageiro' | 'socket.io';
export const SIDES: readonly SideName[] = ['mensageiro', 'socket.io'];

export interface ServerPair {
  /** Each instance's base URL, http://127.0.0.1:<port>. */
  urls: string[];
  pids: number[];
  /** Instances that exited while measuring: the run's figures are suspect. */
  exited: string[];
  stop(): Promise<void>;
}

export interface ServerPairOptions {
  cli: (args: readonly string[]) => Launch;
  redisUrl: string;
  instances: number;
  /** Room members an instance must accept (ours refuses upgrades past --max-connections). */
  maxConnections: number;
}

/** Every pair started and not stopped yet, so that an interrupted bench leaves no server behind. */
const running = new Set<ServerPair>();

/** Stops whatever servers are still running: on Ctrl-C, before the bench dies of it. */
export async function stopRunningServers(): Promise<void> {
  await Promise.all([...running].map((pair) => pair.stop()));
}

const READY = /listening on http:\/\/127\.0\.0\.1:(\d+)/;
const TAIL_LINES = 30;

/**
 * One side's instances, each a process of its own from this CLI, on ports the system picks and on channels of
 * their own in the shared Redis. Ours has its per-connection rate limit lifted: the load is a few publishers
 * speaking for many users, which the limit (there for one user's connection) would refuse; Socket.IO has none.
 */
export async function startServers(side: SideName, options: ServerPairOptions): Promise<ServerPair> {
  const tail: string[] = [];
  const sink = () =>
    new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        tail.push(...chunk.toString().split('\n').filter(Boolean));
        tail.splice(0, Math.max(0, tail.length - TAIL_LINES));
        done();
      },
    });
  const group = new ProcessGroup({ stdout: sink(), stderr: sink() });
  const run = randomBytes(4).toString('hex');
  const exited: string[] = [];
  let stopping = false;
  const names = Array.from({ length: options.instances }, (_, i) => `${side === 'mensageiro' ? 's' : 'io'}${i + 1}`);
  const argsOf = (name: string) =>
    side === 'mensageiro'
      ? ['chat', 'ws', 'server', '--port', '0', '--host', '127.0.0.1', '--instance', name, '--bus', options.redisUrl, '--anonymous', '--channel', `bench:${run}:broadcast`,
          '--key-prefix', `bench:${run}:`, '--rate', '1000000', '--burst', '1000000', '--max-connections', String(options.maxConnections)]
      : ['chat', 'ws', 'socketio-peer', '--port', '0', '--host', '127.0.0.1', '--redis', options.redisUrl, '--key', `bench:${run}:socket.io`];
  const children: ChildProcess[] = [];
  try {
    const lines = await Promise.all(
      names.map((name) => {
        const child = group.start(name, options.cli(argsOf(name)));
        children.push(child);
        child.once('exit', (code, signal) => {
          if (!stopping) exited.push(`${side} ${name} (${signal ?? `code ${code}`})`);
        });
        return waitForOutput(child, READY, `${side} ${name}`, 60_000);
      }),
    );
    const pair: ServerPair = {
      urls: lines.map((line) => `http://127.0.0.1:${READY.exec(line)![1]}`),
      pids: children.map((child) => child.pid!),
      exited,
      stop: async () => {
        stopping = true;
        running.delete(pair);
        await group.stop(5_000);
      },
    };
    running.add(pair);
    return pair;
  } catch (err) {
    stopping = true;
    await group.stop(2_000);
    throw new Error(`${(err as Error).message}${tail.length ? `\nlast lines from the servers:\n${tail.map((l) => `  ${l}`).join('\n')}` : ''}`, { cause: err });
  }
}

import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ProcessGroup } from '../../../../kit/runtime/process-group.ts';
import type { Launch } from '../../../../kit/runtime/this-cli.ts';
import { waitForOutput } from '../../../../kit/runtime/wait-for-output.ts';
import { toWireTimestamp } from '../../domain/timestamp.ts';
import { LazyPirateClient } from '../roles/lazy-pirate-client.ts';

export interface TopologyEndpoints {
  /** The broker's ROUTER, for clients. */
  broker: string;
  /** The proxy's XPUB, for subscribers. */
  proxy: string;
  reference: string;
}

export interface BenchTopologyOptions {
  /** This CLI again, compiled, with the roles' Node flags (thisCli). */
  cli: (args: readonly string[]) => Launch;
  servers: number;
  /** REP sockets per server (the server's own default when absent). */
  repSockets?: number;
  /** How long a server may take to print that it is ready. */
  serverReadyMs?: number;
}

const INFRA_READY = /Ctrl-C stops it/;
const SERVER_READY = /chat server \S+ ready/;
const TCP = 'tcp:\\/\\/\\S+';
const OUTPUT_TAIL_LINES = 30;

/**
 * The whole topology as separate processes from the compiled CLI, as `chat zmq cluster` starts it, but bound
 * to 127.0.0.1 on ports the system picks (each role reports what it bound) and on a throwaway data directory.
 * What the roles print is kept out of the bench's output; its tail goes into the error when one fails to start.
 */
export class BenchTopology {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'mensageiro-chat-bench-'));
  readonly #tail: string[] = [];
  readonly #group = new ProcessGroup({ stdout: this.#sink(), stderr: this.#sink() });
  readonly #names: string[] = [];
  readonly #exited: string[] = [];
  #stopping: Promise<void> | undefined;

  constructor(private readonly options: BenchTopologyOptions) {}

  /** Starts broker, proxy and reference, then the servers; resolves once the reference lists every server. */
  async start(): Promise<TopologyEndpoints> {
    try {
      const broker = this.#role('broker', ['broker', '--host', '127.0.0.1', '--frontend-port', '0', '--backend-port', '0']);
      const proxy = this.#role('proxy', ['proxy', '--host', '127.0.0.1', '--xsub-port', '0', '--xpub-port', '0']);
      const reference = this.#role('reference', ['reference', '--host', '127.0.0.1', '--port', '0', '--data-dir', this.dataDir]);
      const [brokerLine, proxyLine, referenceLine] = await Promise.all([
        waitForOutput(broker, INFRA_READY, 'the broker'),
        waitForOutput(proxy, INFRA_READY, 'the proxy'),
        waitForOutput(reference, INFRA_READY, 'the reference'),
      ]);
      const [frontend, backend] = endpointsIn(brokerLine, new RegExp(`(${TCP}) \\(ROUTER\\).*?(${TCP}) \\(DEALER\\)`), 'the broker');
      const [xsub, xpub] = endpointsIn(proxyLine, new RegExp(`(${TCP}) \\(XSUB\\).*?(${TCP}) \\(XPUB\\)`), 'the proxy');
      const [referenceEndpoint] = endpointsIn(referenceLine, new RegExp(`(${TCP}) \\(REP\\)`), 'the reference');

      const serverArgs = ['--broker', backend!, '--proxy-xsub', xsub!, '--proxy-xpub', xpub!, '--reference', referenceEndpoint!, '--data-dir', this.dataDir];
      if (this.options.repSockets !== undefined) serverArgs.push('--rep-sockets', String(this.options.repSockets));
      const servers = Array.from({ length: this.options.servers }, (_, i) => `s${i + 1}`);
      await Promise.all(
        servers.map((name) => waitForOutput(this.#role(name, ['server', '--name', name, ...serverArgs]), SERVER_READY, `server ${name}`, this.options.serverReadyMs ?? 30_000)),
      );
      await untilListed(referenceEndpoint!, this.options.servers);
      return { broker: frontend!, proxy: xpub!, reference: referenceEndpoint! };
    } catch (err) {
      const tail = this.#tail.length ? `\nlast lines from the roles:\n${this.#tail.map((l) => `  ${l}`).join('\n')}` : '';
      throw new Error(`${(err as Error).message}${tail}`, { cause: err });
    }
  }

  /** Every role, in start order. */
  get names(): string[] {
    return [...this.#names];
  }

  /** The roles still running, by process id. */
  pids(): number[] {
    return Object.values(this.#group.pids());
  }

  /** Roles that exited on their own (not stopped by stop()), with how. */
  get exited(): string[] {
    return [...this.#exited];
  }

  /** Servers first, then broker, proxy and reference; then the data directory goes. Safe to call twice. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const servers = this.#names.filter((name) => /^s\d+$/.test(name));
      await this.#group.stop(5_000, [servers, ['broker', 'proxy', 'reference']]);
      rmSync(this.dataDir, { recursive: true, force: true });
    })();
    return this.#stopping;
  }

  #role(name: string, args: string[]): ChildProcess {
    const child = this.#group.start(name, this.options.cli(['chat', 'zmq', ...args]));
    this.#names.push(name);
    child.once('exit', (code, signal) => {
      if (!this.#stopping) this.#exited.push(`${name} (${signal ?? `code ${code}`})`);
    });
    return child;
  }

  #sink(): Writable {
    return new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        for (const line of chunk.toString().split('\n')) if (line) this.#tail.push(line);
        this.#tail.splice(0, Math.max(0, this.#tail.length - OUTPUT_TAIL_LINES));
        done();
      },
    });
  }
}

function endpointsIn(line: string, pattern: RegExp, role: string): string[] {
  const match = pattern.exec(line);
  if (!match) throw new Error(`cannot read where ${role} listens from its line "${line.trim()}"`);
  return match.slice(1);
}

/**
 * A server prints ready once it has its rank, but learns of the servers that started after it only on its next
 * heartbeat; until the reference lists them all, a write could skip one of them.
 */
async function untilListed(reference: string, servers: number, timeoutMs = 10_000): Promise<void> {
  const client = new LazyPirateClient(reference, { timeoutMs: 1_000, retries: 0 });
  const deadline = performance.now() + timeoutMs;
  let listed = 0;
  try {
    while (performance.now() < deadline) {
      try {
        const reply = await client.request({ service: 'list', data: { timestamp: toWireTimestamp(Date.now()), clock: 0 } });
        listed = Array.isArray(reply.data.list) ? reply.data.list.length : 0;
        if (listed >= servers) return;
      } catch {
        // no reply this time: ask again
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    client.close();
  }
  throw new Error(`the reference listed ${listed} of ${servers} servers after ${timeoutMs / 1_000} s`);
}

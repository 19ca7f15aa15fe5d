import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subscriber } from 'zeromq';
import type { ServerData } from '../../src/systems/chat/domain/server-data.ts';
import { readServerData } from '../../src/systems/chat/store/sqlite-op-log.ts';
import type { Broker } from '../../src/systems/chat/zmq/roles/broker.ts';
import { type ChatServer, type ChatServerOptions, startChatServer } from '../../src/systems/chat/zmq/roles/chat-server.ts';
import type { PubSubProxy } from '../../src/systems/chat/zmq/roles/proxy.ts';
import type { ReferenceService } from '../../src/systems/chat/zmq/roles/reference.ts';
import { PeerClient } from '../../src/systems/chat/zmq/roles/peer-rpc.ts';
import type { ChatMessage } from '../../src/systems/chat/zmq/wire/chat-message.ts';
import { type Publication, decodePublication } from '../../src/systems/chat/zmq/wire/publication.ts';
import { exitOf, freePort, startCli } from './cli-process.ts';
import { waitFor } from './wait.ts';

/**
 * The ZeroMQ chat cluster as the course deploys it, for integration tests: broker, proxy, reference and N
 * servers, each a separate `mensageiro chat zmq …` process on free ports, the servers sharing a temporary
 * --data-dir. Every start waits for the process's ready line; stop() ends them all (call it in an after hook).
 */

export type CliProcess = ReturnType<typeof startCli>;

export interface ServerStatus {
  name: string;
  rank: number;
  coordinator: string | null;
  offsetMs: number;
  berkeleyRounds: number;
  elections: number;
  ops: number;
  /** The Lamport clock the status reply carried. */
  clock: number;
}

export interface ListedServer {
  name: string;
  rank: number;
  address?: string;
}

/** What arrives on a SUB socket, with the time it arrived (Date.now()). */
export interface Recorded extends Publication {
  at: number;
}

export interface Recorder {
  readonly received: Recorded[];
  close(): void;
}

export interface ChatZmqClusterOptions {
  servers?: number;
  /** Extra command-line options for some servers, by name. */
  serverArgs?: Record<string, string[]>;
}

/** How long one role may take to print its ready line; tsx compiles on the fly and the machine is shared. */
const READY_TIMEOUT_MS = 30_000;
/** How long one peer or reference request may take before the server counts as not answering. */
const PEER_TIMEOUT_MS = 1_000;

const READY_LINE = /Ctrl-C stops it/;

function stamp(service: string, data: Record<string, unknown> = {}): ChatMessage {
  return { service, data: { ...data, timestamp: Date.now() / 1_000, clock: 0 } };
}

async function untilReady(child: CliProcess, ready: RegExp, what: string): Promise<void> {
  await waitFor(
    () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        const how = child.exitCode ?? `${child.signalCode}, not sent by this test: is something else killing processes?`;
        throw new Error(`${what} exited (${how}) before it was ready:\n${child.output()}`);
      }
      return ready.test(child.output());
    },
    `${what} to print its ready line (output so far: ${JSON.stringify(child.output().slice(-500))})`,
    READY_TIMEOUT_MS,
  );
}

function alive(child: CliProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export class ChatZmqCluster {
  /** The broker's ROUTER, for clients and bots. */
  readonly broker: string;
  readonly brokerBackend: string;
  readonly proxyXsub: string;
  /** The proxy's XPUB, for subscribers. */
  readonly proxy: string;
  readonly reference: string;
  readonly dataDir: string;
  /** Every server started, by name: the running process (or the last one, when killed). */
  readonly servers = new Map<string, CliProcess>();
  readonly #serverArgs: Record<string, string[]>;
  readonly #children: CliProcess[] = [];
  readonly #bots: CliProcess[] = [];
  readonly #recorders: Recorder[] = [];
  readonly #referenceClient: PeerClient;
  #referenceProcess: CliProcess | undefined;
  readonly #onExit = () => this.#killAll();
  #stopped = false;

  private constructor(ports: number[], dataDir: string, serverArgs: Record<string, string[]>) {
    const at = (port: number) => `tcp://127.0.0.1:${port}`;
    const [front, back, xsub, xpub, reference] = ports as [number, number, number, number, number];
    this.broker = at(front);
    this.brokerBackend = at(back);
    this.proxyXsub = at(xsub);
    this.proxy = at(xpub);
    this.reference = at(reference);
    this.dataDir = dataDir;
    this.#serverArgs = serverArgs;
    this.#referenceClient = new PeerClient(this.reference);
    // Should the test runner die without its after hooks, no role outlives it.
    process.once('exit', this.#onExit);
  }

  static async start(options: ChatZmqClusterOptions = {}): Promise<ChatZmqCluster> {
    const ports = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    const cluster = new ChatZmqCluster(ports, mkdtempSync(join(tmpdir(), 'mensageiro-chat-zmq-')), options.serverArgs ?? {});
    try {
      const port = (endpoint: string) => endpoint.slice(endpoint.lastIndexOf(':') + 1);
      await Promise.all([
        cluster.#role('broker', ['broker', '--host', '127.0.0.1', '--frontend-port', port(cluster.broker), '--backend-port', port(cluster.brokerBackend)]),
        cluster.#role('proxy', ['proxy', '--host', '127.0.0.1', '--xsub-port', port(cluster.proxyXsub), '--xpub-port', port(cluster.proxy)]),
        cluster.startReference(),
      ]);
      const names = Array.from({ length: options.servers ?? 3 }, (_, i) => `s${i + 1}`);
      await Promise.all(names.map((name) => cluster.startServer(name)));
      await cluster.untilSettled(names);
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** Starts (or restarts, with the same name and data) one server; resolves once it serves. */
  async startServer(name: string): Promise<CliProcess> {
    const running = this.servers.get(name);
    if (running && alive(running)) throw new Error(`server ${name} is running already`);
    const args = ['server', '--name', name, '--broker', this.brokerBackend, '--proxy-xsub', this.proxyXsub, '--proxy-xpub', this.proxy];
    args.push('--reference', this.reference, '--data-dir', this.dataDir, ...(this.#serverArgs[name] ?? []));
    const child = this.#spawn(args);
    this.servers.set(name, child);
    await untilReady(child, new RegExp(`chat server ${name} ready`), `server ${name}`);
    return child;
  }

  /** Starts (or restarts, on the same port) the reference; resolves once it serves. */
  async startReference(): Promise<CliProcess> {
    if (this.#referenceProcess && alive(this.#referenceProcess)) throw new Error('the reference is running already');
    const port = this.reference.slice(this.reference.lastIndexOf(':') + 1);
    this.#referenceProcess = await this.#role('reference', ['reference', '--host', '127.0.0.1', '--port', port, '--data-dir', this.dataDir]);
    return this.#referenceProcess;
  }

  /** Kills the reference with SIGKILL (a crash) and resolves once it is gone. */
  async killReference(): Promise<void> {
    const child = this.#referenceProcess;
    if (!child || !alive(child)) throw new Error('the reference is not running');
    child.kill('SIGKILL');
    await exitOf(child, 10_000);
  }

  /** Starts again every server that is not running (one an earlier, failed test left down). */
  async startStopped(): Promise<void> {
    await Promise.all([...this.servers.keys()].filter((name) => !this.isRunning(name)).map((name) => this.startServer(name)));
  }

  /** Kills one server (SIGKILL by default: a crash) and resolves once it is gone. */
  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.servers.get(name);
    if (!child || !alive(child)) throw new Error(`server ${name} is not running`);
    child.kill(signal);
    await exitOf(child, 10_000);
  }

  async restart(name: string): Promise<CliProcess> {
    const child = this.servers.get(name);
    if (child && alive(child)) await this.kill(name, 'SIGTERM');
    return this.startServer(name);
  }

  isRunning(name: string): boolean {
    const child = this.servers.get(name);
    return child !== undefined && alive(child);
  }

  /** The names of the servers whose process runs. */
  running(): string[] {
    return [...this.servers.keys()].filter((name) => this.isRunning(name)).sort();
  }

  /** The reference's `list`: the servers heard from lately, with their peer addresses. */
  async list(): Promise<ListedServer[]> {
    const reply = await this.#referenceClient.request(stamp('list'), PEER_TIMEOUT_MS);
    const list = reply.data.list;
    if (!Array.isArray(list)) throw new Error(`the reference answered list without a list: ${JSON.stringify(reply)}`);
    return list as ListedServer[];
  }

  /** The peer address the reference lists for this server. */
  async address(name: string): Promise<string> {
    const entry = (await this.list()).find((server) => server.name === name);
    if (!entry?.address) throw new Error(`the reference lists no peer address for server ${name}`);
    return entry.address;
  }

  /** One request to a server's peer port, as a peer would send it. */
  async peerRequest(name: string, message: ChatMessage, timeoutMs = PEER_TIMEOUT_MS): Promise<ChatMessage> {
    const client = new PeerClient(await this.address(name));
    try {
      return await client.request(message, timeoutMs);
    } finally {
      client.close();
    }
  }

  /** `status` on a server's peer port. */
  async status(name: string): Promise<ServerStatus> {
    const reply = await this.peerRequest(name, stamp('status'));
    if (reply.data.status === 'erro' || typeof reply.data.name !== 'string') throw new Error(`server ${name} answered status with ${JSON.stringify(reply)}`);
    return reply.data as unknown as ServerStatus;
  }

  /** The status of every running server, by name. */
  async statuses(names = this.running()): Promise<Map<string, ServerStatus>> {
    const all = await Promise.all(names.map(async (name) => [name, await this.status(name)] as const));
    return new Map(all);
  }

  /** The coordinator every one of `names` follows, or undefined while they disagree (or one does not answer). */
  async agreedCoordinator(names = this.running()): Promise<string | undefined> {
    try {
      const coordinators = new Set([...(await this.statuses(names)).values()].map((status) => status.coordinator));
      const [only] = coordinators;
      return coordinators.size === 1 && typeof only === 'string' ? only : undefined;
    } catch {
      return undefined;
    }
  }

  /** Until the reference lists every one of `names` and they all follow the same running coordinator; resolves with it. */
  async untilSettled(names = this.running(), timeoutMs = 15_000): Promise<string> {
    let coordinator: string | undefined;
    await waitFor(
      async () => {
        const listed = new Set((await this.list().catch(() => [])).map((server) => server.name));
        if (!names.every((name) => listed.has(name))) return false;
        coordinator = await this.agreedCoordinator(names);
        return coordinator !== undefined && this.isRunning(coordinator);
      },
      `servers ${names.join(', ')} to agree on a coordinator`,
      timeoutMs,
    );
    return coordinator!;
  }

  /** What a server holds, in the course's server_data.json shape, read from its database (while it runs, too). */
  serverData(name: string): ServerData {
    const path = join(this.dataDir, `${name}.sqlite`);
    if (!existsSync(path)) throw new Error(`server ${name} has no database at ${path}`);
    return readServerData(path);
  }

  /** `mensageiro chat zmq export --server <name> --out -`, as a user runs it: the JSON it prints. */
  async exportServer(name: string): Promise<ServerData> {
    const child = startCli(['chat', 'zmq', 'export', '--server', name, '--data-dir', this.dataDir, '--out', '-']);
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await exitOf(child, 30_000);
    if (code !== 0) throw new Error(`export of ${name} exited ${code}: ${child.output()}`);
    return JSON.parse(stdout) as ServerData;
  }

  /** A SUB socket on the proxy, recording every publication on exactly these topics. */
  subscribe(...topics: string[]): Recorder {
    const subscriber = new Subscriber({ linger: 0, receiveHighWaterMark: 100_000 });
    subscriber.connect(this.proxy);
    for (const topic of topics) subscriber.subscribe(topic);
    const received: Recorded[] = [];
    void (async () => {
      for await (const frames of subscriber) {
        const publication = decodePublication(frames);
        if (publication && topics.includes(publication.topic)) received.push({ ...publication, at: Date.now() });
      }
    })().catch(() => undefined);
    const recorder = { received, close: () => subscriber.close() };
    this.#recorders.push(recorder);
    return recorder;
  }

  /** A `mensageiro chat zmq bot` against this cluster; resolves once it runs. */
  async startBot(args: string[] = []): Promise<CliProcess> {
    const bot = this.#spawn(['bot', '--broker', this.broker, '--proxy', this.proxy, ...args]);
    this.#bots.push(bot);
    await untilReady(bot, READY_LINE, 'a bot');
    return bot;
  }

  /** Stops every bot (SIGTERM, so each prints its summary) and resolves once they are gone. */
  async stopBots(): Promise<void> {
    await Promise.all(this.#bots.splice(0).map((bot) => this.#end(bot)));
  }

  /** Ends every process started, and removes the data directory. Safe to call more than once. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const recorder of this.#recorders) recorder.close();
    this.#referenceClient.close();
    await Promise.all(this.#children.map((child) => this.#end(child)));
    process.off('exit', this.#onExit);
    if (!process.env.MENSAGEIRO_KEEP_ENGINE_DIRS) rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** The output of every process started, for a failure's message. */
  outputs(): string {
    return this.#children.map((child) => `--- ${child.spawnargs.slice(2, 6).join(' ')} (pid ${child.pid})\n${child.output()}`).join('\n');
  }

  async #role(what: string, args: string[]): Promise<CliProcess> {
    const child = this.#spawn(args);
    await untilReady(child, READY_LINE, `the ${what}`);
    return child;
  }

  #spawn(args: string[]): CliProcess {
    if (this.#stopped) throw new Error('the cluster was stopped');
    const child = startCli(['chat', 'zmq', ...args]);
    this.#children.push(child);
    return child;
  }

  async #end(child: CliProcess): Promise<void> {
    if (!alive(child)) return;
    child.kill('SIGTERM');
    try {
      await exitOf(child, 3_000);
    } catch {
      child.kill('SIGKILL');
      await exitOf(child, 3_000).catch(() => undefined);
    }
  }

  #killAll(): void {
    for (const child of this.#children) if (alive(child)) child.kill('SIGKILL');
  }
}

/** A chat server in this process, on a free peer port, wired to a broker, proxy and reference of this process. */
export function startInProcessServer(
  name: string,
  around: { broker: Broker; proxy: PubSubProxy; reference: ReferenceService },
  dataDir: string,
  more: Partial<ChatServerOptions> = {},
): Promise<ChatServer> {
  return startChatServer({
    name,
    broker: around.broker.backendEndpoint,
    proxyXsub: around.proxy.xsubEndpoint,
    proxyXpub: around.proxy.xpubEndpoint,
    reference: around.reference.endpoint,
    peerBind: 'tcp://127.0.0.1:0',
    dataDir,
    ...more,
  });
}

/**
 * A skip reason when /usr/bin/python3 cannot import zmq and msgpack, said loudly; with
 * MENSAGEIRO_REQUIRE_ENGINES=1 (CI) it throws instead, so the interop test cannot pass as a skip.
 */
export function pythonInteropSkip(python = '/usr/bin/python3'): string | undefined {
  const probe = existsSync(python) ? spawnSync(python, ['-c', 'import zmq, msgpack'], { encoding: 'utf8', timeout: 10_000 }) : undefined;
  if (probe?.status === 0) return undefined;
  const why = probe ? `${python} cannot import zmq and msgpack (${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()})` : `${python} is not installed`;
  const message = `${why}. Install them with: sudo apt-get install -y python3 python3-zmq python3-msgpack`;
  if (process.env.MENSAGEIRO_REQUIRE_ENGINES === '1') throw new Error(message);
  process.stderr.write(`\n*** SKIPPING the Python interoperability test: ${message}\n`);
  return message;
}

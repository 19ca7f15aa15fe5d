import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../../../kit/observe/log.ts';
import { type Broker, startBroker } from '../roles/broker.ts';
import { type ChatServer, type ServerTimings, startChatServer } from '../roles/chat-server.ts';
import { PeerClient } from '../roles/peer-rpc.ts';
import { type PubSubProxy, startPubSubProxy } from '../roles/proxy.ts';
import { type ReferenceService, startReference } from '../roles/reference.ts';
import { toWireTimestamp } from '../../domain/timestamp.ts';
import type { ChatMessage } from '../wire/chat-message.ts';

/** What a server answers to `status` on its peer port. */
export interface PeerStatus {
  name: string;
  rank: number;
  coordinator: string | null;
  offsetMs: number;
  berkeleyRounds: number;
  elections: number;
  ops: number;
}

export interface ServerView {
  name: string;
  up: boolean;
  /** Stopping or starting right now. */
  changing: boolean;
  /** Its peer port's answer to `status`, when it is up and answered. */
  status?: PeerStatus;
  /** Why there is no status although it is up. */
  error?: string;
}

export interface EmbeddedChatZmq {
  /** The broker's ROUTER, where clients connect. */
  readonly broker: string;
  /** The proxy's XPUB, where subscribers connect. */
  readonly proxy: string;
  readonly serverNames: readonly string[];
  /** Each server, up or down, with what its peer port says about it. */
  servers(): Promise<ServerView[]>;
  /** Closes one server's sockets and database, as a crash-free stop would. */
  stopServer(name: string): Promise<void>;
  /** Starts a stopped server again, with its name and data: it gets its rank back and catches up. */
  startServer(name: string): Promise<void>;
  /** Asks the first server that answers on its peer port (sync, fetch, status); rejects when none does. */
  askAnyServer(message: ChatMessage, timeoutMs: number): Promise<{ server: string; reply: ChatMessage }>;
  /** Stops everything and removes the data directory. */
  close(): Promise<void>;
}

/** The name is not one of the servers'. */
export class NoSuchServerError extends Error {}

/** The server is not in a state to do that (already up, already down, or being stopped or started). */
export class ServerStateError extends Error {}

export interface EmbeddedChatZmqOptions {
  servers?: number;
  log?: Logger;
  timings?: Partial<ServerTimings>;
}

const ANY_PORT = 'tcp://127.0.0.1:0';
const STATUS_TIMEOUT_MS = 500;

interface Slot {
  name: string;
  server?: ChatServer;
  changing: boolean;
  /** The DEALER to its peer port, for status; replaced when a restart binds a new port. */
  peer?: PeerClient;
}

/**
 * The course's whole topology in this one process: broker, Pub/Sub proxy, reference and N servers (s1…sN) on
 * ports picked by the system, their databases in a temporary directory. Servers start one after the other, so
 * the ranks follow the names and the last one is the first coordinator.
 */
export async function startEmbeddedChatZmq(options: EmbeddedChatZmqOptions = {}): Promise<EmbeddedChatZmq> {
  const count = options.servers ?? 3;
  const log = options.log;
  const dataDir = mkdtempSync(join(tmpdir(), 'mensageiro-chat-zmq-up-'));
  let broker: Broker | undefined;
  let proxy: PubSubProxy | undefined;
  let reference: ReferenceService | undefined;
  const slots = new Map<string, Slot>(Array.from({ length: count }, (_, i) => [`s${i + 1}`, { name: `s${i + 1}`, changing: false }]));
  let closed = false;
  /** Stops and starts under way: closing waits for them, while the reference still answers a starting server. */
  const changes = new Set<Promise<void>>();

  const launch = async (slot: Slot) => {
    const server = await startChatServer({
      name: slot.name,
      broker: broker!.backendEndpoint,
      proxyXsub: proxy!.xsubEndpoint,
      proxyXpub: proxy!.xpubEndpoint,
      reference: reference!.endpoint,
      peerBind: ANY_PORT,
      dataDir,
      timings: options.timings,
      log: (line) => log?.info(line, { server: slot.name }),
    });
    if (closed) {
      await server.close();
      throw new ServerStateError('the chat is shutting down');
    }
    slot.server = server;
    slot.peer?.close();
    slot.peer = new PeerClient(slot.server.peerEndpoint);
  };
  const halt = async (slot: Slot) => {
    const server = slot.server;
    slot.server = undefined;
    slot.peer?.close();
    slot.peer = undefined;
    await server?.close();
  };
  const closeAll = async () => {
    await Promise.allSettled([...changes]);
    await Promise.allSettled([...slots.values()].map(halt));
    await Promise.allSettled([broker?.close(), proxy?.close(), reference?.close()]);
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    broker = await startBroker({ frontend: ANY_PORT, backend: ANY_PORT });
    proxy = await startPubSubProxy({ xsub: ANY_PORT, xpub: ANY_PORT });
    reference = await startReference({ bind: ANY_PORT });
    for (const slot of slots.values()) await launch(slot);
  } catch (err) {
    await closeAll();
    throw err;
  }
  log?.info('chat zmq running', { broker: broker.frontendEndpoint, proxy: proxy.xpubEndpoint, servers: [...slots.keys()], dataDir });

  const slotFor = (name: string) => {
    const slot = slots.get(name);
    if (!slot) throw new NoSuchServerError(`no server named "${name}": the servers are ${[...slots.keys()].join(', ')}`);
    if (slot.changing) throw new ServerStateError(`server ${name} is being stopped or started; wait for it`);
    return slot;
  };
  const change = async (slot: Slot, work: () => Promise<void>) => {
    slot.changing = true;
    const done = work();
    changes.add(done);
    try {
      await done;
    } finally {
      changes.delete(done);
      slot.changing = false;
    }
  };

  return {
    broker: broker.frontendEndpoint,
    proxy: proxy.xpubEndpoint,
    serverNames: [...slots.keys()],
    servers: () => Promise.all([...slots.values()].map(view)),
    async stopServer(name) {
      const slot = slotFor(name);
      if (!slot.server) throw new ServerStateError(`server ${name} is already down: start it`);
      await change(slot, () => halt(slot));
      log?.info('server stopped', { server: name });
    },
    async startServer(name) {
      const slot = slotFor(name);
      if (slot.server) throw new ServerStateError(`server ${name} is already up`);
      if (closed) throw new ServerStateError('the chat is shutting down');
      await change(slot, () => launch(slot));
      log?.info('server started', { server: name });
    },
    async askAnyServer(message, timeoutMs) {
      let failure: Error | undefined;
      for (const slot of slots.values()) {
        if (!slot.peer || slot.changing) continue;
        try {
          return { server: slot.name, reply: await slot.peer.request(message, timeoutMs) };
        } catch (err) {
          failure = err as Error;
        }
      }
      throw new Error(failure ? `no chat server answered: ${failure.message}` : 'every chat server is down: start one in the table');
    },
    async close() {
      if (closed) return;
      closed = true;
      await closeAll();
    },
  };
}

async function view(slot: Slot): Promise<ServerView> {
  const base = { name: slot.name, up: slot.server !== undefined, changing: slot.changing };
  if (!slot.peer) return base;
  try {
    const reply = await slot.peer.request({ service: 'status', data: { timestamp: toWireTimestamp(Date.now()), clock: 0 } }, STATUS_TIMEOUT_MS);
    if (reply.data.status === 'erro' || typeof reply.data.name !== 'string') return { ...base, error: `its peer port answered: ${String(reply.data.description ?? 'no status')}` };
    const { name, rank, coordinator, offsetMs, berkeleyRounds, elections, ops } = reply.data as unknown as PeerStatus;
    return { ...base, status: { name, rank, coordinator, offsetMs, berkeleyRounds, elections, ops } };
  } catch (err) {
    return { ...base, error: (err as Error).message };
  }
}

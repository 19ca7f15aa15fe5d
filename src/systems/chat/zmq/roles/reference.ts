import { Reply } from 'zeromq';
import { LamportClock } from '../../domain/lamport-clock.ts';
import { toWireTimestamp } from '../../domain/timestamp.ts';
import { untilPortsFree } from './broker.ts';
import { type ChatMessage, DEFAULT_MAX_MESSAGE_BYTES, WireError, decodeChatMessage, encodeChatMessage } from '../wire/chat-message.ts';

export interface ReferenceOptions {
  /** Where servers connect, as in 'tcp://*:5559'. */
  bind: string;
  /** A server missing from rank and heartbeat requests this long drops out of `list` (it keeps its rank). */
  staleAfterMs?: number;
  now?: () => number;
  maxMessageBytes?: number;
}

export interface ReferenceService {
  /** The bound address, resolved (a ':0' in the options becomes the port picked). */
  readonly endpoint: string;
  readonly registry: ServerRegistry;
  /** Resolves once the port can be bound again. */
  close(): Promise<void>;
}

export interface RegisteredServer {
  name: string;
  rank: number;
  /** The server's peer endpoint, tcp://host:port, when it said. */
  address?: string;
}

export const DEFAULT_STALE_AFTER_MS = 5_000;
const SERVER_NAME_MAX_LENGTH = 64;
const ADDRESS_MAX_LENGTH = 256;

/** Ranks handed out to server names, 1, 2, 3… in order of first contact, and when each was last heard from. */
export class ServerRegistry {
  readonly #servers = new Map<string, RegisteredServer & { lastSeen: number }>();

  constructor(readonly staleAfterMs: number) {}

  /** The name's rank, new if the name is; records the address when given and counts as being heard from. */
  rank(name: string, address: string | undefined, at: number): number {
    let server = this.#servers.get(name);
    if (!server) {
      server = { name, rank: this.#servers.size + 1, lastSeen: at };
      this.#servers.set(name, server);
    }
    server.lastSeen = Math.max(server.lastSeen, at);
    if (address !== undefined) server.address = address;
    return server.rank;
  }

  /** A heartbeat from a name never ranked ranks it: after a restart of this service, the servers' heartbeats rebuild the table. */
  heartbeat(name: string, address: string | undefined, at: number): number {
    return this.rank(name, address, at);
  }

  /** The servers heard from within staleAfterMs of `at`, by rank. */
  list(at: number): RegisteredServer[] {
    return [...this.#servers.values()]
      .filter((server) => at - server.lastSeen <= this.staleAfterMs)
      .sort((a, b) => a.rank - b.rank)
      .map(({ name, rank, address }) => (address === undefined ? { name, rank } : { name, rank, address }));
  }
}

class BadRequest extends Error {}

/**
 * The reference service of the course's part 4, on a REP socket: `rank {user, address?}` → `{rank}`,
 * `list` → `{list: [{name, rank, address?}]}`, `heartbeat {user, address?}` → `{rank}`. Every reply carries
 * `timestamp` and `clock` (and echoes `rid`, for PeerClient); a bad request gets `{status: 'erro', description}`.
 */
export async function startReference(options: ReferenceOptions): Promise<ReferenceService> {
  const now = options.now ?? Date.now;
  const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const registry = new ServerRegistry(options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS);
  const clock = new LamportClock();
  const rep = new Reply({ linger: 0 });
  try {
    await rep.bind(options.bind);
  } catch (err) {
    rep.close();
    throw err;
  }
  const endpoint = rep.lastEndpoint ?? options.bind;

  const serve = async () => {
    for await (const frames of rep) {
      const reply = answer(registry, clock, now, frames, maxBytes);
      await rep.send(encodeChatMessage(reply));
    }
  };
  const served = serve().catch(() => undefined); // a send cut short by close()

  return {
    endpoint,
    registry,
    async close() {
      rep.close();
      await served;
      await untilPortsFree([endpoint]);
    },
  };
}

function answer(registry: ServerRegistry, clock: LamportClock, now: () => number, frames: Buffer[], maxBytes: number): ChatMessage {
  let service = 'erro';
  let rid: unknown;
  let data: Record<string, unknown>;
  try {
    const [frame] = frames;
    if (frames.length !== 1 || !frame) throw new BadRequest(`send the request as one frame, not ${frames.length}`);
    const request = decodeChatMessage(frame, maxBytes);
    service = request.service;
    rid = request.data.rid;
    clock.observe(request.data.clock);
    data = handle(registry, now(), request);
  } catch (err) {
    // Whatever went wrong, REP owes a reply before it may read the next request.
    const known = err instanceof BadRequest || err instanceof WireError;
    data = { status: 'erro', description: known ? err.message : `the reference failed on this request: ${(err as Error).message}` };
  }
  return { service, data: { ...data, rid, timestamp: toWireTimestamp(now()), clock: clock.tick() } };
}

function handle(registry: ServerRegistry, at: number, { service, data }: ChatMessage): Record<string, unknown> {
  switch (service) {
    case 'rank':
      return { rank: registry.rank(serverName(data), address(data), at) };
    case 'heartbeat':
      return { rank: registry.heartbeat(serverName(data), address(data), at) };
    case 'list':
      return { list: registry.list(at) };
    default:
      throw new BadRequest(`unknown service "${service.slice(0, 40)}": the reference answers rank, list and heartbeat`);
  }
}

function serverName(data: Record<string, unknown>): string {
  const { user } = data;
  if (typeof user !== 'string' || user.trim() === '') throw new BadRequest('"user" must be the server\'s name, a non-empty string');
  if (user.length > SERVER_NAME_MAX_LENGTH) throw new BadRequest(`"user" is ${user.length} characters long; a server name takes at most ${SERVER_NAME_MAX_LENGTH}`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(user)) throw new BadRequest('"user" must not contain control characters');
  return user.trim();
}

function address(data: Record<string, unknown>): string | undefined {
  const { address } = data;
  if (address === undefined || address === null) return undefined;
  if (typeof address !== 'string' || address.length > ADDRESS_MAX_LENGTH || !/^tcp:\/\/\S+:\d{1,5}$/.test(address)) {
    throw new BadRequest('"address" must be the server\'s peer endpoint, as in tcp://server-1:5560');
  }
  return address;
}

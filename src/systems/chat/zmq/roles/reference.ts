import { Reply } from 'zeromq';
import { LamportClock } from '../../domain/lamport-clock.ts';
import { toWireTimestamp } from '../../domain/timestamp.ts';
import { untilPortsFree } from './broker.ts';
import { ServerRegistry } from './server-registry.ts';
import { type ChatMessage, DEFAULT_MAX_MESSAGE_BYTES, WireError, decodeChatMessage, encodeChatMessage } from '../wire/chat-message.ts';

export interface ReferenceOptions {
  /** Where servers connect, as in 'tcp://*:5559'. */
  bind: string;
  /** A server missing from rank and heartbeat requests this long drops out of `list` (it keeps its rank). */
  staleAfterMs?: number;
  /** Where names, ranks and addresses are kept across restarts (written atomically); in memory only without one. */
  statePath?: string;
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

export const DEFAULT_STALE_AFTER_MS = 5_000;
const SERVER_NAME_MAX_LENGTH = 64;
const ADDRESS_MAX_LENGTH = 256;

class BadRequest extends Error {}

/**
 * The reference service of the course's part 4, on a REP socket: `rank {user, address?}` → `{rank}`,
 * `list` → `{list: [{name, rank, address?}], awaiting}`, `heartbeat {user, address?, rank?}` → `{rank}`. Every reply carries
 * `timestamp` and `clock` (and echoes `rid`, for PeerClient); a bad request gets `{status: 'erro', description}`.
 */
export async function startReference(options: ReferenceOptions): Promise<ReferenceService> {
  const now = options.now ?? Date.now;
  const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const registry = new ServerRegistry(options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS, options.statePath, now());
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
      return { rank: registry.heartbeat(serverName(data), address(data), at, claimedRank(data)) };
    case 'list':
      return { list: registry.list(at), awaiting: registry.awaiting(at) };
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

function claimedRank(data: Record<string, unknown>): number | undefined {
  const { rank } = data;
  if (rank === undefined || rank === null) return undefined;
  if (typeof rank !== 'number' || !Number.isInteger(rank) || rank < 1) throw new BadRequest('"rank" must be the rank the server holds, a whole number from 1 up');
  return rank;
}

function address(data: Record<string, unknown>): string | undefined {
  const { address } = data;
  if (address === undefined || address === null) return undefined;
  if (typeof address !== 'string' || address.length > ADDRESS_MAX_LENGTH || !/^tcp:\/\/\S+:\d{1,5}$/.test(address)) {
    throw new BadRequest('"address" must be the server\'s peer endpoint, as in tcp://server-1:5560');
  }
  return address;
}

import { toWireTimestamp } from '../../domain/timestamp.ts';
import { type ChatOp, opVersion } from '../../domain/chat-op.ts';
import type { ChatMessage } from '../wire/chat-message.ts';
import { countWithin } from '../wire/op-size.ts';
import type { BerkeleyRounds } from './berkeley-rounds.ts';
import type { BullyElection } from './bully-election.ts';
import type { OpLog } from '../../store/op-log.ts';
import type { ServerEntry } from './peer-directory.ts';
import type { Replicator } from './replicator.ts';
import type { ServerContext } from './server-context.ts';

/** A sync reply stays well under what a peer accepts (64 KiB): 500 long messages would not. */
export const SYNC_REPLY_MAX_BYTES = 48 * 1024;
/** Ids per sync page: 300 of the longest allowed (128 characters) still fit in a reply. */
export const SYNC_PAGE_MAX_IDS = 300;

export const PEER_SERVICES = ['clock', 'adjust', 'election', 'heartbeat', 'join', 'replicate', 'sync', 'fetch', 'status'];
const PEER_ADDRESS = /^tcp:\/\/\S+:\d{1,5}$/;

export interface PeerServiceParts {
  ctx: ServerContext;
  log: OpLog;
  replicator: Replicator;
  election: BullyElection;
  berkeley: BerkeleyRounds;
  opCount: () => number;
  /**
   * The op held under an id, for its version in sync pages. The state holds what the log holds; reading the
   * version from it spares SQLite two columns per listed id (anti-entropy's query took twice as long with them).
   */
  opOf: (id: string) => ChatOp | undefined;
  /** A server that is starting: resolves once my writes go to it (see peer-introductions.ts). */
  admit: (joiner: Required<ServerEntry>) => Promise<void>;
}

/** What a server answers on its peer port: clocks, election, replication and its status. */
export function peerService(parts: PeerServiceParts): (message: ChatMessage) => ChatMessage | Promise<ChatMessage> {
  const { ctx, log, replicator, election, berkeley } = parts;
  const erro = (service: string, reason: string) => ctx.stamp(service, { status: 'erro', description: reason });
  return (message) => {
    ctx.observe(message);
    const { service, data } = message;
    switch (service) {
      case 'clock':
        return ctx.stamp('clock', { time: toWireTimestamp(ctx.physical.now()) });
      case 'adjust': {
        const adjustment = data.adjustment;
        if (typeof adjustment !== 'number' || !Number.isFinite(adjustment)) return erro(service, 'adjust needs data.adjustment, in seconds');
        ctx.physical.adjust(adjustment * 1_000);
        return ctx.stamp('adjust', { status: 'OK' });
      }
      case 'election':
        // A lower-ranked server is electing: I answer, then run my own election (which I may win).
        void election.run();
        return ctx.stamp('election', { election: 'OK' });
      case 'heartbeat':
        return ctx.stamp('heartbeat', { coordinator: election.coordinator ?? null });
      case 'join': {
        const { user, address, rank } = data;
        if (typeof user !== 'string' || user === '' || user === ctx.name) return erro(service, 'join needs data.user, the name of another server');
        if (typeof address !== 'string' || !PEER_ADDRESS.test(address)) return erro(service, 'join needs data.address, the peer endpoint, as in tcp://server-1:5560');
        if (typeof rank !== 'number' || !Number.isInteger(rank) || rank < 1) return erro(service, 'join needs data.rank, the rank the reference gave, from 1 up');
        return parts.admit({ name: user, address, rank }).then(
          () => ctx.stamp('join', { status: 'OK' }),
          (err: Error) => erro(service, err.message),
        );
      }
      case 'replicate':
        return replicator.receive(data).then(
          (applied) => ctx.stamp('replicate', { status: 'OK', applied }),
          (err: Error) => erro(service, err.message),
        );
      case 'sync': {
        const after = data.after;
        const limit = data.limit;
        if (typeof after !== 'number' || !Number.isInteger(after) || after < 0) return erro(service, 'sync needs data.after, a log position ≥ 0');
        const size = typeof limit === 'number' && Number.isInteger(limit) && limit > 0 ? Math.min(limit, SYNC_PAGE_MAX_IDS) : SYNC_PAGE_MAX_IDS;
        const page = log.ids(after, size);
        const versions = page.ids.map((id) => {
          const op = parts.opOf(id);
          return op ? opVersion(op) : '';
        });
        return ctx.stamp('sync', { ids: page.ids, versions, lastSeq: page.lastSeq, headSeq: log.lastSeq });
      }
      case 'fetch': {
        const ids = data.ids;
        if (!Array.isArray(ids) || ids.length > SYNC_PAGE_MAX_IDS || !ids.every((id) => typeof id === 'string')) {
          return erro(service, `fetch needs data.ids, a list of at most ${SYNC_PAGE_MAX_IDS} op ids`);
        }
        return ctx.stamp('fetch', { ops: fitting(log.get(ids as string[])) });
      }
      case 'status':
        return ctx.stamp('status', {
          name: ctx.name,
          rank: ctx.rank,
          coordinator: election.coordinator ?? null,
          offsetMs: ctx.physical.offsetMs,
          berkeleyRounds: berkeley.rounds,
          berkeleyFolded: berkeley.folded,
          elections: election.elections,
          ops: parts.opCount(),
        });
      default:
        return erro(service, `unknown peer service "${service}": use ${PEER_SERVICES.join(', ')}`);
    }
  };
}

/** As many of these ops as fit in SYNC_REPLY_MAX_BYTES (one always does); the asker fetches the rest next. */
function fitting(ops: ChatOp[]): ChatOp[] {
  return ops.slice(0, countWithin(ops, SYNC_REPLY_MAX_BYTES));
}

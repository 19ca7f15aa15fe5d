import { toWireTimestamp } from '../../domain/timestamp.ts';
import type { ChatMessage } from '../wire/chat-message.ts';
import { approximateOpBytes } from '../wire/op-size.ts';
import type { BerkeleyRounds } from './berkeley-rounds.ts';
import type { BullyElection } from './bully-election.ts';
import type { OpLog } from '../../store/op-log.ts';
import type { Replicator } from './replicator.ts';
import type { ServerContext } from './server-context.ts';

/** A sync reply stays well under what a peer accepts (64 KiB): 500 long messages would not. */
export const SYNC_REPLY_MAX_BYTES = 48 * 1024;
const SYNC_PAGE_MAX_OPS = 100;

export const PEER_SERVICES = ['clock', 'adjust', 'election', 'heartbeat', 'replicate', 'sync', 'status'];

export interface PeerServiceParts {
  ctx: ServerContext;
  log: OpLog;
  replicator: Replicator;
  election: BullyElection;
  berkeley: BerkeleyRounds;
  opCount: () => number;
}

/** What a server answers on its peer port: clocks, election, replication and its status. */
export function peerService(parts: PeerServiceParts): (message: ChatMessage) => ChatMessage {
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
      case 'replicate':
        try {
          return ctx.stamp('replicate', { status: 'OK', applied: replicator.receive(data) });
        } catch (err) {
          return erro(service, (err as Error).message);
        }
      case 'sync': {
        const after = data.after;
        const limit = data.limit;
        if (typeof after !== 'number' || !Number.isInteger(after) || after < 0) return erro(service, 'sync needs data.after, a log position ≥ 0');
        const size = typeof limit === 'number' && Number.isInteger(limit) && limit > 0 ? limit : SYNC_PAGE_MAX_OPS;
        return syncPage(ctx, log, after, size);
      }
      case 'status':
        return ctx.stamp('status', {
          name: ctx.name,
          rank: ctx.rank,
          coordinator: election.coordinator ?? null,
          offsetMs: ctx.physical.offsetMs,
          berkeleyRounds: berkeley.rounds,
          elections: election.elections,
          ops: parts.opCount(),
        });
      default:
        return erro(service, `unknown peer service "${service}": use ${PEER_SERVICES.join(', ')}`);
    }
  };
}

/**
 * A page of my log after `after`, cut to SYNC_REPLY_MAX_BYTES (one op always fits). Pages are small, so
 * answering one never holds the event loop for long.
 */
function syncPage(ctx: ServerContext, log: OpLog, after: number, limit: number): ChatMessage {
  let page = log.page(after, Math.min(limit, SYNC_PAGE_MAX_OPS));
  let bytes = 0;
  let count = 0;
  for (const op of page.ops) {
    bytes += approximateOpBytes(op);
    if (count > 0 && bytes > SYNC_REPLY_MAX_BYTES) break;
    count++;
  }
  if (count < page.ops.length) page = log.page(after, count);
  return ctx.stamp('sync', { ops: page.ops, lastSeq: page.lastSeq, headSeq: log.lastSeq });
}

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { scripts } from '../../../../kit/bus/transports/redis/scripts.ts';
import { createLogger } from '../../../../kit/observe/log.ts';
import type { EntrySource, SourceEntry } from '../store/entry-source.ts';
import type { StreamNames } from '../store/stream-names.ts';
import { decodeEntry, fieldMap } from '../store/stream-fields.ts';

const log = createLogger('chat.ws.persister');

/**
 * KEYS: stream. Trims, exactly, the entries every consumer group has acknowledged: those older than each group's
 * oldest pending entry, or up to its last delivered one when nothing is pending. What stays is what some group
 * has not acknowledged, so the stream's length is what PostgreSQL may not have yet, and its bound means that.
 * Returns the bound, or nil when there is no group.
 */
const TRIM_ACKNOWLEDGED = `local function parse(id)
  local ms, seq = string.match(id, '(%d+)-(%d+)')
  return tonumber(ms), tonumber(seq)
end
local bound, boundMs, boundSeq = nil, 0, 0
for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local info = {}
  for i = 1, #group, 2 do info[group[i]] = group[i + 1] end
  local ms, seq
  if info['pending'] > 0 then
    ms, seq = parse(redis.call('XPENDING', KEYS[1], info['name'])[2])
  else
    ms, seq = parse(info['last-delivered-id'])
    seq = seq + 1
  end
  if bound == nil or ms < boundMs or (ms == boundMs and seq < boundSeq) then
    boundMs, boundSeq = ms, seq
    bound = string.format('%d-%d', ms, seq)
  end
end
if bound then redis.call('XTRIM', KEYS[1], 'MINID', bound) end
return bound`;

type PersisterRedis = Redis & {
  chatTrimAcknowledged(stream: string): Promise<string | null>;
  busPruneConsumers(stream: string, group: string, minIdleMs: number): Promise<number>;
};

type RawEntry = [id: string, fields: string[]] | null;

/**
 * The stream as a persister reads it: one consumer of the group (XGROUP CREATE … 0 MKSTREAM on start), new
 * entries with XREADGROUP, and every claimIdleMs / 2 the entries a dead persister left pending longer than
 * claimIdleMs with XAUTOCLAIM. `ack` is XACK, then the trim of what every group has acknowledged, on a second
 * connection, so a batch is acknowledged while the next read blocks.
 */
export class StreamSource implements EntrySource {
  readonly consumer = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  readonly #redis: PersisterRedis;
  readonly #acks: PersisterRedis;
  readonly #claimEveryMs: number;
  readonly #pruneIdleMs: number;
  #nextClaimAt = 0;
  #claimCursor = '0-0';
  #nextPruneAt = 0;

  /** `redis` becomes this source's (it opens a duplicate for acks): close() closes both. Reads block it: do not share it. */
  constructor(
    redis: Redis,
    private readonly names: StreamNames,
    private readonly claimIdleMs: number,
  ) {
    const acks = redis.duplicate();
    for (const connection of [redis, acks]) {
      connection.on('error', () => {
        // Reconnection is automatic; a command that finally fails rejects where it was called.
      });
      connection.defineCommand('chatTrimAcknowledged', { numberOfKeys: 1, lua: TRIM_ACKNOWLEDGED });
      connection.defineCommand('busPruneConsumers', scripts.busPruneConsumers);
    }
    this.#redis = redis as PersisterRedis;
    this.#acks = acks as PersisterRedis;
    this.#claimEveryMs = Math.max(50, claimIdleMs / 2);
    this.#pruneIdleMs = Math.max(10 * 60_000, claimIdleMs * 10);
  }

  /** Creates the group, reading from the stream's start, unless it exists. */
  async ensureGroup(): Promise<void> {
    try {
      await this.#redis.xgroup('CREATE', this.names.stream, this.names.group, '0', 'MKSTREAM');
    } catch (err) {
      if (!/^BUSYGROUP/.test((err as Error).message)) throw err;
    }
  }

  async read(max: number, waitMs: number): Promise<SourceEntry[]> {
    const { stream, group } = this.names;
    const now = Date.now();
    try {
      if (now >= this.#nextPruneAt) {
        this.#nextPruneAt = now + this.#pruneIdleMs;
        await this.#redis.busPruneConsumers(stream, group, this.#pruneIdleMs);
      }
      if (now >= this.#nextClaimAt) {
        const [next, claimed] = (await this.#redis.xautoclaim(stream, group, this.consumer, this.claimIdleMs, this.#claimCursor, 'COUNT', max)) as [string, RawEntry[]];
        this.#claimCursor = next;
        // A cursor other than 0-0: more of the pending list to look at, on the next read.
        this.#nextClaimAt = next === '0-0' ? now + this.#claimEveryMs : now;
        const entries = decoded(claimed);
        if (entries.length > 0) {
          log.info('took over entries a stopped persister left', { count: entries.length, consumer: this.consumer });
          return entries;
        }
      }
      const reply = (await this.#redis.xreadgroup('GROUP', group, this.consumer, 'COUNT', max, 'BLOCK', Math.max(1, Math.round(waitMs)), 'STREAMS', stream, '>')) as
        | [string, RawEntry[]][]
        | null;
      return decoded(reply?.[0]?.[1] ?? []);
    } catch (err) {
      // The stream was deleted under us: make it and the group again, and read on.
      if (!/^NOGROUP/.test((err as Error).message)) throw err;
      await this.ensureGroup();
      return [];
    }
  }

  async ack(sourceIds: string[]): Promise<void> {
    if (sourceIds.length === 0) return;
    const { stream, group } = this.names;
    const replies = await this.#acks.pipeline().xack(stream, group, ...sourceIds).chatTrimAcknowledged(stream).exec();
    const failed = replies?.find(([err]) => err)?.[0];
    if (failed) throw failed;
  }

  async close(): Promise<void> {
    for (const connection of [this.#redis, this.#acks]) await connection.quit().catch(() => connection.disconnect());
  }
}

declare module 'ioredis' {
  interface ChainableCommander {
    chatTrimAcknowledged(stream: string): ChainableCommander;
  }
}

function decoded(entries: RawEntry[]): SourceEntry[] {
  const out: SourceEntry[] = [];
  // Redis 6.2's XAUTOCLAIM gives nil for an entry deleted while pending; Redis 7 leaves it out.
  for (const raw of entries) {
    if (!raw) continue;
    const [id, flat] = raw;
    const fields = fieldMap(flat);
    const { entry, json, reason } = decodeEntry(id, fields);
    out.push(entry ? { sourceId: id, entry, json } : { sourceId: id, reason: reason!, fields: Object.fromEntries(fields) });
  }
  return out;
}

import type { Redis } from 'ioredis';
import { PROCESSORS } from '../domain/processors.ts';
import { type Summary, type TimeRange, emptySummary } from '../domain/summary.ts';
import type { LedgerEntry, PaymentLedger } from './payment-ledger.ts';

/**
 * One sorted set per processor: score = requestedAt in ms, member = `<correlationId>:<cents>`, so recording a
 * payment twice leaves one member. The summary sums the cents inside Redis, in one round trip for both processors.
 */
const SUMMARY_SCRIPT = `
local out = {}
for i, key in ipairs(KEYS) do
  local members = redis.call('ZRANGEBYSCORE', key, ARGV[1], ARGV[2])
  local cents = 0
  for _, m in ipairs(members) do cents = cents + tonumber(string.match(m, ':(%d+)$')) end
  out[#out + 1] = #members
  out[#out + 1] = cents
end
return out`;

/**
 * A payment sent before the last purge is not recorded after it: another instance may hear of the purge a few
 * ms after its answer came back, and the purge must win (the load test purges, then counts from zero).
 */
const RECORD_SCRIPT = `
local purgedAt = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[1]) < purgedAt then return 0 end
return redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])`;

type LedgerRedis = Redis & {
  paymentsSummary(keys: number, ...args: string[]): Promise<number[]>;
  paymentsRecord(keys: number, ...args: string[]): Promise<number>;
};

function scoreBound(ms: number): string {
  if (ms === Number.NEGATIVE_INFINITY) return '-inf';
  if (ms === Number.POSITIVE_INFINITY) return '+inf';
  return String(ms);
}

export class RedisLedger implements PaymentLedger {
  readonly #redis: LedgerRedis;
  readonly #keys: string[];
  readonly #purgedAtKey: string;

  constructor(redis: Redis, prefix = 'payments') {
    redis.defineCommand('paymentsSummary', { lua: SUMMARY_SCRIPT });
    redis.defineCommand('paymentsRecord', { lua: RECORD_SCRIPT });
    this.#redis = redis as LedgerRedis;
    this.#keys = PROCESSORS.map((p) => `${prefix}:ledger:${p}`);
    this.#purgedAtKey = `${prefix}:purged-at`;
  }

  async record(entry: LedgerEntry): Promise<void> {
    const key = this.#keys[PROCESSORS.indexOf(entry.processor)]!;
    await this.#redis.paymentsRecord(2, key, this.#purgedAtKey, String(entry.requestedAtMs), `${entry.correlationId}:${entry.amountCents}`);
  }

  async summary(range: TimeRange): Promise<Summary> {
    const reply = await this.#redis.paymentsSummary(this.#keys.length, ...this.#keys, scoreBound(range.fromMs), scoreBound(range.toMs));
    const summary = emptySummary();
    PROCESSORS.forEach((p, i) => (summary[p] = { totalRequests: Number(reply[2 * i]), totalAmountCents: Number(reply[2 * i + 1]) }));
    return summary;
  }

  async purge(at: number): Promise<void> {
    await this.#redis.multi().del(...this.#keys).set(this.#purgedAtKey, String(at)).exec();
  }

  async purgedAt(): Promise<number> {
    return Number((await this.#redis.get(this.#purgedAtKey)) ?? 0);
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
  }
}

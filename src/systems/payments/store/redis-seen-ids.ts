import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../../kit/observe/log.ts';
import { openRedis } from '../../../kit/store/redis-client.ts';
import { type Shard, shardOf } from '../domain/id-shard.ts';
import { type Claim, SEEN, type SeenIds } from './seen-ids.ts';

/**
 * KEYS[1]: the claimed ids, a hash of id → the token of the claim that made it. ARGV: id, token, and the channel
 * that tells the id's owner ('' when the claimant is the owner). A claim sent again with its own token (after a
 * dropped connection, when the first one may have landed) is still the first; any other claim of the id is not.
 */
const CLAIM_SCRIPT = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  if ARGV[3] ~= '' then redis.call('PUBLISH', ARGV[3], ARGV[1]) end
  return 1
end
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return 1 end
return 0`;

type ClaimRedis = Redis & { paymentsClaim(keys: number, key: string, id: string, token: string, channel: string): Promise<number> };

export interface RedisSeenIdsOptions {
  url: string;
  instanceId: string;
  /** The ids this instance answers for at once (nginx sends it their shard); without it, none. */
  shard?: Shard;
  log: Logger;
  /** Key and channel prefix: tests use their own. */
  prefix?: string;
}

const SCAN_BATCH = 1_000;
const MAX_RETRY_MS = 2_000;

/**
 * The claims in one Redis hash, shared by every instance. An instance holds in memory the ids of its own shard:
 * those it claimed, those another instance claimed (told through a Pub/Sub channel, from inside the same script
 * that made the claim, so before that instance has its answer) and those in Redis when it started. For an id of
 * its shard its answer waits for nothing: the claim is written to Redis before the answer is, and its verdict is
 * read when it comes back. For any other id it waits for the verdict, as every instance did before.
 */
export class RedisSeenIds implements SeenIds {
  readonly #redis: ClaimRedis;
  readonly #key: string;
  readonly #channel: string;
  readonly #known = new Set<string>();
  /** Each claim's token is unique: a claim made again after `forget` is not taken for the first. */
  readonly #tokenPrefix = randomBytes(6).toString('base64url');
  #claims = 0;
  #subscriber: Redis | undefined;

  private constructor(
    redis: Redis,
    private readonly options: RedisSeenIdsOptions,
  ) {
    redis.defineCommand('paymentsClaim', { lua: CLAIM_SCRIPT });
    this.#redis = redis as ClaimRedis;
    const prefix = options.prefix ?? 'payments';
    this.#key = `${prefix}:claimed-ids`;
    this.#channel = `${prefix}:claimed-ids:owner`;
  }

  /** Ready once the ids of its shard already in Redis are loaded, and those claimed from now on are heard of. */
  static async open(options: RedisSeenIdsOptions): Promise<RedisSeenIds> {
    // Its own connection, not auto-pipelined: a claim then leaves for Redis as it is made, before the answer does.
    const seen = new RedisSeenIds(await openRedis(options.url, `payments:${options.instanceId}:claims`), options);
    if (options.shard) await seen.#listen();
    return seen;
  }

  async #listen(): Promise<void> {
    const subscriber = await openRedis(this.options.url, `payments:${this.options.instanceId}:claims-heard`);
    this.#subscriber = subscriber;
    subscriber.on('message', (_channel: string, id: string) => {
      if (this.#owns(id)) this.#known.add(id);
    });
    await subscriber.subscribe(this.#channel);
    await this.#load();
    // Publications sent while the connection was down are lost: read them back from the hash.
    subscriber.on('ready', () => void this.#load().catch((err: unknown) => this.options.log.warn('cannot reload the claimed ids', { err })));
  }

  async #load(): Promise<void> {
    let cursor = '0';
    do {
      const [next, fields] = await this.#redis.hscan(this.#key, cursor, 'COUNT', SCAN_BATCH);
      for (let i = 0; i < fields.length; i += 2) if (this.#owns(fields[i]!)) this.#known.add(fields[i]!);
      cursor = next;
    } while (cursor !== '0');
  }

  #owns(id: string): boolean {
    const { shard } = this.options;
    return shard !== undefined && shardOf(id, shard.count) === shard.index;
  }

  claim(correlationId: string): Claim {
    if (this.#known.has(correlationId)) return SEEN;
    if (this.#redis.status !== 'ready') throw new Error(`Redis is ${this.#redis.status}`);
    this.#known.add(correlationId);
    const token = `${this.#tokenPrefix}${(this.#claims += 1).toString(36)}`;
    if (!this.#owns(correlationId)) return { first: this.#send(correlationId, token, this.#channel).then((n) => n === 1), answerNow: false };
    return { first: this.#untilAnswered(correlationId, token), answerNow: true };
  }

  #send(id: string, token: string, channel: string): Promise<number> {
    return this.#redis.paymentsClaim(1, this.#key, id, token, channel);
  }

  /** The client has its answer already: the verdict is waited for however long Redis takes to give it. */
  async #untilAnswered(id: string, token: string): Promise<boolean> {
    let attempt = this.#send(id, token, '');
    for (let waitMs = 50; ; waitMs = Math.min(waitMs * 2, MAX_RETRY_MS)) {
      try {
        return (await attempt) === 1;
      } catch (err) {
        this.options.log.warn('a claim did not reach Redis; retrying it', { err, correlationId: id });
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        attempt = this.#send(id, token, '');
      }
    }
  }

  release(correlationId: string): void {
    this.#known.delete(correlationId);
    this.#redis.hdel(this.#key, correlationId).catch((err: unknown) => this.options.log.warn('cannot release a claim', { err, correlationId }));
  }

  async clear(): Promise<void> {
    this.#known.clear();
    await this.#redis.del(this.#key);
  }

  forget(): void {
    this.#known.clear();
  }

  async close(): Promise<void> {
    this.#subscriber?.disconnect();
    this.#redis.disconnect();
  }
}

import type { Redis } from 'ioredis';

/**
 * Lua scripts, each one atomic step on the server. Passed to ioredis as its `scripts` option, so every
 * connection (and its duplicates) has them as methods, sent by EVALSHA.
 */
const now = `local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)`;

export const scripts = {
  /** KEYS: stream. ARGV: max length, field, value… Returns the entry id, or nil when the stream is full. */
  busSend: {
    numberOfKeys: 1,
    lua: `if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[1]) then return false end
return redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2))`,
  },
  /**
   * KEYS: stream, delayed set. ARGV: max length, delay ms, packed fields. The due time comes from the
   * server's clock, the same one busMoveDue reads, so clock skew between processes does not matter.
   * Returns 1, or 0 when the stream is full.
   */
  busSendDelayed: {
    numberOfKeys: 2,
    lua: `if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
${now}
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[3])
return 1`,
  },
  /**
   * KEYS: delayed set, stream. ARGV: batch size. Moves due members onto the stream; a member is a list of
   * `<length>:<bytes>` items, the first a unique token. Returns {moved, still waiting}.
   */
  busMoveDue: {
    numberOfKeys: 2,
    lua: `${now}
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
for _, member in ipairs(due) do
  local items, pos = {}, 1
  while pos <= #member do
    local colon = string.find(member, ':', pos, true)
    local len = tonumber(string.sub(member, pos, colon - 1))
    items[#items + 1] = string.sub(member, colon + 1, colon + len)
    pos = colon + len + 1
  end
  redis.call('XADD', KEYS[2], '*', unpack(items, 2))
  redis.call('ZREM', KEYS[1], member)
end
return {#due, redis.call('ZCARD', KEYS[1])}`,
  },
  /** KEYS: stream. ARGV: group, entry id… Acknowledges and deletes, so the stream does not grow. */
  busAck: {
    numberOfKeys: 1,
    lua: `redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, 2))
return redis.call('XDEL', KEYS[1], unpack(ARGV, 2))`,
  },
  /**
   * KEYS: stream. ARGV: group, min idle ms. Drops consumers that hold nothing and have not been seen for
   * a long while (dead processes). Checked and dropped in one step, so no entry can be lost with them.
   */
  busPruneConsumers: {
    numberOfKeys: 1,
    lua: `local removed = 0
for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local info = {}
  for i = 1, #consumer, 2 do info[consumer[i]] = consumer[i + 1] end
  if info['pending'] == 0 and info['idle'] > tonumber(ARGV[2]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info['name'])
    removed = removed + 1
  end
end
return removed`,
  },
};

type Arg = string | Buffer | number;

export interface BusScripts {
  busSend(stream: string, maxLength: number, ...fields: Arg[]): Promise<string | null>;
  busSendDelayed(stream: string, delayed: string, maxLength: number, delayMs: number, member: Buffer): Promise<number>;
  busMoveDue(delayed: string, stream: string, batch: number): Promise<[moved: number, waiting: number]>;
  busAck(stream: string, group: string, ...ids: string[]): Promise<number>;
  busPruneConsumers(stream: string, group: string, minIdleMs: number): Promise<number>;
}

/** A connection made with `scripts` in its options. */
export type ScriptedRedis = Redis & BusScripts;

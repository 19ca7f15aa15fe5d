/**
 * Which instance answers for a correlationId without asking the others: shard `index` of `count`, numbered from
 * 1 as the instances are (api1, api2). The shard is the correlationId's first hex digit modulo `count`, whatever
 * its letter case, because nginx can read that digit from the body and match it without regard to case
 * (roles/nginx-config.ts), so every spelling of an id reaches the same instance.
 */
export interface Shard {
  index: number;
  count: number;
}

/** One hex digit tells sixteen shards apart; more instances than that would leave some with none. */
export const MAX_SHARDS = 16;

export const HEX_DIGITS = [...'0123456789abcdef'];

export function shardOf(correlationId: string, count: number): number {
  return (Number.parseInt(correlationId[0]!, 16) % count) + 1;
}

/** The hex digits whose ids belong to shard `index` of `count`. */
export function digitsOf(index: number, count: number): string[] {
  return HEX_DIGITS.filter((digit) => shardOf(digit, count) === index);
}

/** `--shard 1/2` read, or undefined when it is not shard N of at most 16. */
export function parseShard(text: string): Shard | undefined {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  if (!match) return undefined;
  const [index, count] = [Number(match[1]), Number(match[2])];
  if (count < 1 || count > MAX_SHARDS || index < 1 || index > count) return undefined;
  return { index, count };
}

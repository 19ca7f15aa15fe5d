/** Where the cluster's message log lives on Redis. */
export interface StreamNames {
  /** The stream every server XADDs to. */
  stream: string;
  /** The consumer group the persisters share. */
  group: string;
}

/** The reference's names: `gosocket:messages:stream`, group `persist-workers`. */
export const DEFAULT_KEY_PREFIX = 'gosocket:';
export const DEFAULT_GROUP = 'persist-workers';

/** A test or a second deployment on the same Redis passes a prefix of its own. */
export function streamNames(keyPrefix = DEFAULT_KEY_PREFIX, group = DEFAULT_GROUP): StreamNames {
  return { stream: `${keyPrefix}messages:stream`, group };
}

/** Stream entry ids (`<ms>-<seq>`) in the stream's order. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = splitId(a);
  const [bMs, bSeq] = splitId(b);
  return aMs - bMs || aSeq - bSeq;
}

function splitId(id: string): [number, number] {
  const dash = id.indexOf('-');
  return dash < 0 ? [Number(id), 0] : [Number(id.slice(0, dash)), Number(id.slice(dash + 1))];
}

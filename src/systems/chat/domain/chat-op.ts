interface OpBase {
  /** Unique per write: the client's request id, so a retried request is applied once. */
  id: string;
  /** The name of the server that accepted it. */
  origin: string;
  /** Lamport clock of the accepting server when it accepted it. */
  clock: number;
  /** Ms since the epoch: the request's timestamp, else the server's time. */
  at: number;
}

export interface LoginOp extends OpBase {
  kind: 'login';
  user: string;
}

export interface ChannelOp extends OpBase {
  kind: 'channel';
  channel: string;
}

export interface PublishOp extends OpBase {
  kind: 'publish';
  user: string;
  channel: string;
  message: string;
}

export interface DirectMessageOp extends OpBase {
  kind: 'message';
  src: string;
  dst: string;
  message: string;
}

export type ChatOp = LoginOp | ChannelOp | PublishOp | DirectMessageOp;

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The Lamport total order: clock, then origin, then id. Every replica sorts the same set the same way. */
export function compareOps(a: ChatOp, b: ChatOp): number {
  return a.clock - b.clock || compareStrings(a.origin, b.origin) || compareStrings(a.id, b.id);
}

/**
 * What tells two ops with one id apart, as `clock/origin`. They happen when a server dies between writing a
 * request and answering it, and the client's retry (same id) is written again on another server: every
 * replica keeps the version that sorts first, so all of them end up with the same one.
 */
export function opVersion(op: Pick<ChatOp, 'clock' | 'origin'>): string {
  return `${op.clock}/${op.origin}`;
}

/**
 * True when a version a peer listed sorts before the op held under the same id, in compareOps's order; false
 * for anything that is not a version.
 */
export function versionPrecedes(version: string, held: Pick<ChatOp, 'clock' | 'origin'>): boolean {
  const [clock, origin] = splitVersion(version);
  if (Number.isNaN(clock)) return false;
  return clock < held.clock || (clock === held.clock && compareStrings(origin, held.origin) < 0);
}

function splitVersion(version: string): [number, string] {
  const slash = version.indexOf('/');
  return slash > 0 ? [Number(version.slice(0, slash)), version.slice(slash + 1)] : [Number.NaN, ''];
}

/** The largest |ms| a Date can hold. */
const MAX_DATE_MS = 8.64e15;

const TEXT_FIELDS: Record<ChatOp['kind'], readonly string[]> = {
  login: ['user'],
  channel: ['channel'],
  publish: ['user', 'channel', 'message'],
  message: ['src', 'dst', 'message'],
};

/** A full structural check, for ops that arrive from other servers or from disk. */
export function isChatOp(value: unknown): value is ChatOp {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const op = value as Record<string, unknown>;
  if (typeof op.id !== 'string' || op.id === '') return false;
  if (typeof op.origin !== 'string' || op.origin === '') return false;
  if (!Number.isSafeInteger(op.clock) || (op.clock as number) < 0) return false;
  if (typeof op.at !== 'number' || !Number.isFinite(op.at) || Math.abs(op.at) > MAX_DATE_MS) return false;
  if (typeof op.kind !== 'string' || !Object.hasOwn(TEXT_FIELDS, op.kind)) return false;
  return TEXT_FIELDS[op.kind as ChatOp['kind']].every((field) => typeof op[field] === 'string');
}

import type { ChatOp } from '../domain/chat-op.ts';

/** A server's durable record of every op it holds, its own and its peers', each id once. */
export interface OpLog {
  /** Durable before it returns; false for an id already in the log. */
  append(op: ChatOp): boolean;
  /** Several appends in one transaction (one disk write): for each op, whether it was new. */
  appendMany(ops: ChatOp[]): boolean[];
  /** The ids of the ops after `afterSeq`, in append order: what anti-entropy compares before it fetches. */
  ids(afterSeq: number, limit: number): { ids: string[]; lastSeq: number };
  /** Puts op in place of the op held under its id, at the end of the log, so that peers reading on see it. */
  replace(op: ChatOp): void;
  /** The ops with these ids that the log holds. */
  get(ids: string[]): ChatOp[];
  /** Every op in append order, for loading state at start. */
  all(): ChatOp[];
  /** The seq of the last append, 0 for an empty log. */
  get lastSeq(): number;
  close(): void;
}

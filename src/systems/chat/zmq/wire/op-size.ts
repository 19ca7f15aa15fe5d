import type { ChatOp } from '../../domain/chat-op.ts';

/** An upper bound of an op's MessagePack size: UTF-8 takes at most 3 bytes per UTF-16 unit. */
export function approximateOpBytes(op: ChatOp): number {
  let text = op.id.length + op.origin.length;
  if (op.kind === 'login') text += op.user.length;
  else if (op.kind === 'channel') text += op.channel.length;
  else if (op.kind === 'publish') text += op.user.length + op.channel.length + op.message.length;
  else text += op.src.length + op.dst.length + op.message.length;
  return 3 * text + 96;
}

/** How many of `ops`, from the first, fit in `maxBytes` and `maxOps` (one always does). */
export function countWithin(ops: readonly ChatOp[], maxBytes: number, maxOps = Number.POSITIVE_INFINITY): number {
  let bytes = 0;
  let count = 0;
  for (const op of ops) {
    bytes += approximateOpBytes(op);
    if (count > 0 && (count >= maxOps || bytes > maxBytes)) break;
    count++;
  }
  return count;
}

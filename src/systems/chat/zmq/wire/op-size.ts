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

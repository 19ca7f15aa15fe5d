import type { RoomMessage } from '../domain/room-message.ts';
import { encodeFrame, messageFrame } from '../domain/server-frames.ts';
import type { MessageLog } from '../store/message-log.ts';
import { acceptedMessages } from './chat-ws-metrics.ts';
import type { Delivery } from './instance-fanout.ts';

/**
 * The one way a room message is accepted, whether an instance's client or the bridge brings it: the message log
 * holds it first, then it goes out to the room's subscribers. When the log refuses it this throws and nobody
 * sees it. `fanout` is an instance's InstanceFanout.publish (its own clients, then every other instance), or
 * only the broadcast for a publisher with no clients of its own.
 */
export async function acceptRoomMessage(log: MessageLog, fanout: { publish(delivery: Delivery): void }, message: RoomMessage): Promise<void> {
  await log.append({ kind: 'message', message });
  acceptedMessages.inc();
  fanout.publish({ room: message.room, messageId: message.messageId, frame: encodeFrame(messageFrame(message)) });
}

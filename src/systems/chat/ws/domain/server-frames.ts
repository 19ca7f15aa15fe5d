import type { ChatUser } from './client-frames.ts';
import type { RoomMessage } from './room-message.ts';

/**
 * What the server sends, as the reference names and shapes it (go-socket's RoomManager), plus three of its
 * own: `welcome` on connect, `history_reset` when a recovery is out of window, and a `code` on each error.
 * Times in metadata are ISO 8601 strings, as Go writes a time.Time.
 */
export type ServerFrame =
  | { type: 'welcome'; instance: string; user: ChatUser; anonymous: boolean }
  | { type: 'message' | 'history'; room: string; messageId: string; payload: Record<string, unknown>; user: ChatUser; metadata: Record<string, unknown> }
  | { type: 'history_reset'; room: string; reason: string }
  | { type: 'presence_list'; room: string; presenceList: ChatUser[] }
  | { type: 'user_joined' | 'user_left'; room: string; user: ChatUser }
  | { type: 'typing'; room: string; user: ChatUser; isTyping: boolean }
  | { type: 'read_receipt'; room: string; messageId: string; user: ChatUser }
  | { type: 'direct_message'; payload: unknown; user: ChatUser; toUserId: string }
  | { type: 'message_edited'; room: string; messageId: string; payload: Record<string, unknown>; user: ChatUser; metadata: EditedMetadata }
  | { type: 'error'; error: string; code: string; ref?: string };

interface EditedMetadata {
  room: string;
  createdAt: string;
  editedAt: string;
  isEdited: true;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The room's metadata at acceptance, as the reference puts it on each message. */
export function roomMetadata(room: string, createdAt: number, subscriberCount: number, presenceCount: number): Record<string, unknown> {
  return { room, createdAt: iso(createdAt), subscriberCount, presenceCount };
}

export function authorOf(message: RoomMessage): ChatUser {
  return { id: message.userId, username: message.username };
}

export function messageFrame(message: RoomMessage): ServerFrame {
  return { type: 'message', room: message.room, messageId: message.messageId, payload: message.payload, user: authorOf(message), metadata: message.metadata };
}

/** A message from history; an edited one says so in its metadata, as the reference marks it. */
export function historyFrame(message: RoomMessage): ServerFrame {
  const metadata = message.editedAt === undefined ? message.metadata : { ...message.metadata, editedAt: iso(message.editedAt), isEdited: true };
  return { type: 'history', room: message.room, messageId: message.messageId, payload: message.payload, user: authorOf(message), metadata };
}

/** `original` with its new payload, edited at `editedAt`. */
export function editedFrame(original: RoomMessage, payload: Record<string, unknown>, editedAt: number): ServerFrame {
  return {
    type: 'message_edited',
    room: original.room,
    messageId: original.messageId,
    payload,
    user: authorOf(original),
    metadata: { room: original.room, createdAt: iso(original.createdAt), editedAt: iso(editedAt), isEdited: true },
  };
}

export function errorFrame(code: string, error: string, ref?: string): ServerFrame {
  return ref === undefined ? { type: 'error', error, code } : { type: 'error', error, code, ref };
}

export function encodeFrame(frame: ServerFrame): string {
  return JSON.stringify(frame);
}

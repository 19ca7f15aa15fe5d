import { type ChatOp, compareOps } from './chat-op.ts';
import { toWireTimestamp } from './timestamp.ts';

/** When an entry was written: Unix seconds, as the course's file has them, and the same instant in ISO 8601. */
interface Stamped {
  timestamp: number;
  timestamp_iso: string;
}

/** The seed's /data/server_data.json. */
export interface ServerData {
  logins: ({ username: string } & Stamped)[];
  channels: string[];
  channel_messages: ({ user: string; channel: string; message: string } & Stamped)[];
  user_messages: ({ src: string; dst: string; message: string } & Stamped)[];
}

/** Every op in Lamport order; a channel created twice is listed once. */
export function toServerData(ops: ChatOp[]): ServerData {
  const data: ServerData = { logins: [], channels: [], channel_messages: [], user_messages: [] };
  const channels = new Set<string>();
  for (const op of [...ops].sort(compareOps)) {
    const stamped: Stamped = { timestamp: toWireTimestamp(op.at), timestamp_iso: new Date(op.at).toISOString() };
    switch (op.kind) {
      case 'login':
        data.logins.push({ username: op.user, ...stamped });
        break;
      case 'channel':
        channels.add(op.channel);
        break;
      case 'publish':
        data.channel_messages.push({ user: op.user, channel: op.channel, message: op.message, ...stamped });
        break;
      case 'message':
        data.user_messages.push({ src: op.src, dst: op.dst, message: op.message, ...stamped });
        break;
    }
  }
  data.channels = [...channels];
  return data;
}

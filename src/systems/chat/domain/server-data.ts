import { type ChatOp, compareOps } from './chat-op.ts';

/** The seed's /data/server_data.json. */
export interface ServerData {
  logins: { username: string; timestamp: string }[];
  channels: string[];
  channel_messages: { user: string; channel: string; message: string; timestamp: string }[];
  user_messages: { src: string; dst: string; message: string; timestamp: string }[];
}

/** Every op in Lamport order, timestamps as ISO 8601; a channel created twice is listed once. */
export function toServerData(ops: ChatOp[]): ServerData {
  const data: ServerData = { logins: [], channels: [], channel_messages: [], user_messages: [] };
  const channels = new Set<string>();
  for (const op of [...ops].sort(compareOps)) {
    const timestamp = new Date(op.at).toISOString();
    switch (op.kind) {
      case 'login':
        data.logins.push({ username: op.user, timestamp });
        break;
      case 'channel':
        channels.add(op.channel);
        break;
      case 'publish':
        data.channel_messages.push({ user: op.user, channel: op.channel, message: op.message, timestamp });
        break;
      case 'message':
        data.user_messages.push({ src: op.src, dst: op.dst, message: op.message, timestamp });
        break;
    }
  }
  data.channels = [...channels];
  return data;
}

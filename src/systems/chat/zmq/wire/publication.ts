import { DEFAULT_MAX_MESSAGE_BYTES, WireError, decodeMessagePackMap, encodeMessagePack } from './chat-message.ts';

export interface Publication {
  topic: string;
  payload: Record<string, unknown>;
}

/** Two frames: the topic as UTF-8 (what SUB sockets filter on) and the payload as a MessagePack map. */
export function encodePublication(topic: string, payload: Record<string, unknown>): [Buffer, Buffer] {
  return [encodePublicationTopic(topic), encodePublicationPayload(payload)];
}

export function encodePublicationTopic(topic: string): Buffer {
  return Buffer.from(topic, 'utf8');
}

export function encodePublicationPayload(payload: Record<string, unknown>): Buffer {
  return encodeMessagePack(payload);
}

/**
 * The publication in a SUB socket's frames, or undefined when they are not one (wrong frame count, payload
 * not a map). Subscriptions match by prefix: the caller must still compare the topic exactly.
 */
export function decodePublication(frames: Buffer[], maxBytes = DEFAULT_MAX_MESSAGE_BYTES): Publication | undefined {
  const [topic, payload] = frames;
  if (frames.length !== 2 || !topic || !payload) return undefined;
  try {
    return { topic: topic.toString('utf8'), payload: decodeMessagePackMap(payload, maxBytes) };
  } catch (err) {
    if (err instanceof WireError) return undefined;
    throw err;
  }
}

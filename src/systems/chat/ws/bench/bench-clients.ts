import WebSocket from 'ws';
import type { PeerMessage } from './socketio-peer.ts';
import { loadSocketIoClient } from './socketio-modules.ts';

/** One connection of the load client, whichever server it talks to. */
export interface BenchClient {
  /** Joins the room; resolves when the server has the request (the scenarios then wait for a probe to arrive). */
  join(room: string): Promise<void>;
  /** Sends one room message whose text is `text`; no reply is awaited. */
  publish(room: string, text: string): void;
  /** Every room message's text as it arrives; errors the server reports go to onError. */
  onMessage(listener: (room: string, text: string) => void): void;
  /** The server refused something (an error frame), or the connection dropped while measuring. */
  onError(listener: (reason: string) => void): void;
  close(): void;
}

export type Connect = (url: string, user: string) => Promise<BenchClient>;

const OPEN_TIMEOUT_MS = 30_000;

/** Ours, with `ws`: anonymous, the user named in the subscribe; a frame may hold several messages joined by "\n". */
export const connectOurs: Connect = (url, user) =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url}/ws`, { perMessageDeflate: false });
    const listeners: Array<(room: string, text: string) => void> = [];
    const errors: Array<(reason: string) => void> = [];
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`no welcome from ${url} within ${OPEN_TIMEOUT_MS / 1_000} s`));
    }, OPEN_TIMEOUT_MS);
    let welcomed = false;
    socket.on('message', (data) => {
      for (const line of data.toString().split('\n')) {
        const frame = JSON.parse(line) as { type: string; room?: string; payload?: { message?: unknown }; error?: string; code?: string };
        if (frame.type === 'message' && typeof frame.payload?.message === 'string') for (const listener of listeners) listener(frame.room!, frame.payload.message);
        else if (frame.type === 'error') for (const listener of errors) listener(`${frame.code}: ${frame.error}`);
        else if (frame.type === 'welcome' && !welcomed) {
          welcomed = true;
          clearTimeout(timer);
          resolve(client);
        }
      }
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      if (!welcomed) reject(err);
    });
    socket.once('close', (code) => {
      if (welcomed) for (const listener of errors) listener(`closed with ${code}`);
    });
    const userObject = { id: user, username: user };
    const client: BenchClient = {
      join: async (room) => socket.send(JSON.stringify({ type: 'subscribe', room, user: userObject })),
      publish: (room, text) => socket.send(JSON.stringify({ type: 'publish', room, payload: { message: text, type: 'text' } })),
      onMessage: (listener) => void listeners.push(listener),
      onError: (listener) => void errors.push(listener),
      close: () => {
        errors.length = 0;
        socket.terminate();
      },
    };
  });

/** Socket.IO's, with socket.io-client: WebSocket transport only, no reconnection (a drop must show). */
export async function socketIoConnect(): Promise<Connect> {
  const { io } = await loadSocketIoClient();
  return (url, _user) =>
    new Promise((resolve, reject) => {
      const socket = io(url, { transports: ['websocket'], reconnection: false, timeout: OPEN_TIMEOUT_MS });
      const errors: Array<(reason: string) => void> = [];
      socket.once('connect', () => resolve(client));
      socket.once('connect_error', reject);
      socket.on('disconnect', (reason) => {
        for (const listener of errors) listener(`disconnected: ${reason}`);
      });
      const client: BenchClient = {
        join: (room) => new Promise((joined) => socket.emit('join', room, joined)),
        publish: (room, text) => void socket.emit('publish', { room, message: text } satisfies PeerMessage),
        onMessage: (listener) => void socket.on('message', (message: PeerMessage) => listener(message.room, message.message)),
        onError: (listener) => void errors.push(listener),
        close: () => {
          errors.length = 0;
          socket.disconnect();
        },
      };
    });
}

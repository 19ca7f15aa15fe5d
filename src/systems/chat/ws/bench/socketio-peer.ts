import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { loadSocketIoServer } from './socketio-modules.ts';

export interface SocketIoPeerOptions {
  port: number;
  host: string;
  redisUrl: string;
  /** The adapter's channel prefix: one per bench run, so runs side by side never hear each other. */
  key: string;
}

/** What a Socket.IO client sends to publish, and what every member of the room gets back. */
export interface PeerMessage {
  room: string;
  message: string;
}

/**
 * The bench's Socket.IO 4 peer, as minimal as a fair comparison allows: WebSocket transport only, the Redis
 * adapter between instances, `join` (acked once joined) and `publish`, which goes to the whole room through
 * io.to(room).emit, the sender included, as the chat's publish does. No middleware, no state of its own.
 */
export async function startSocketIoPeer(options: SocketIoPeerOptions): Promise<{ port: number; close(): Promise<void> }> {
  const { server: socketIo, adapter } = await loadSocketIoServer();
  const pub = new Redis(options.redisUrl, { lazyConnect: true });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  const http = createServer();
  const io = new socketIo.Server(http, { transports: ['websocket'], serveClient: false, adapter: adapter.createAdapter(pub, sub, { key: options.key }) });
  io.on('connection', (socket) => {
    socket.on('join', (room: unknown, ack: unknown) => {
      if (typeof room !== 'string') return;
      void Promise.resolve(socket.join(room)).then(() => {
        if (typeof ack === 'function') ack();
      });
    });
    socket.on('publish', (message: PeerMessage) => {
      if (typeof message?.room === 'string') io.to(message.room).emit('message', message);
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, resolve);
  });
  return {
    port: (http.address() as AddressInfo).port,
    close: async () => {
      await io.close();
      pub.disconnect();
      sub.disconnect();
    },
  };
}

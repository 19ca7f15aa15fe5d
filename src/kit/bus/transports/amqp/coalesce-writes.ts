import type { ChannelModel } from 'amqplib';

interface MuxInternals {
  _readIncoming(): void;
}
interface ConnectionInternals {
  stream?: { cork?(): void; uncork?(): void };
  muxer?: MuxInternals;
}

/**
 * amqplib writes every frame (each publish, each ack) to the socket on its own: one system call apiece,
 * which was half of this process's CPU under load. Corking the socket while amqplib's multiplexer moves
 * the frames of all channels to it turns each round into a single writev. This reaches into amqplib's
 * internals (Connection.stream, Connection.muxer._readIncoming), so it does nothing if they change.
 */
export function coalesceWrites(model: ChannelModel): void {
  const connection = model.connection as unknown as ConnectionInternals;
  const socket = connection.stream;
  const mux = connection.muxer;
  if (!socket?.cork || !socket.uncork || typeof mux?._readIncoming !== 'function') return;
  const readIncoming = mux._readIncoming.bind(mux);
  mux._readIncoming = () => {
    socket.cork!();
    try {
      readIncoming();
    } finally {
      socket.uncork!();
    }
  };
}

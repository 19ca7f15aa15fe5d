/** What to run when the Socket.IO side of the bench cannot load. */
export const SOCKETIO_INSTALL = 'npm install --save-dev socket.io socket.io-client @socket.io/redis-adapter';

/** The Socket.IO packages are development dependencies: the bench's peer, never the chat's own code. */
export class SocketIoMissingError extends Error {
  constructor(cause: unknown) {
    super(`the Socket.IO side of the bench needs socket.io, socket.io-client and @socket.io/redis-adapter (development dependencies, absent here): ${SOCKETIO_INSTALL}`, { cause });
  }
}

/** Loaded on first use, so that a production install without them still runs every other command. */
export async function loadSocketIoServer(): Promise<{ server: typeof import('socket.io'); adapter: typeof import('@socket.io/redis-adapter') }> {
  try {
    return { server: await import('socket.io'), adapter: await import('@socket.io/redis-adapter') };
  } catch (err) {
    throw new SocketIoMissingError(err);
  }
}

export async function loadSocketIoClient(): Promise<typeof import('socket.io-client')> {
  try {
    return await import('socket.io-client');
  } catch (err) {
    throw new SocketIoMissingError(err);
  }
}

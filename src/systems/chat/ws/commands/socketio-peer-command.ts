import { type CliIo, parseOptions, portOption } from '../../../../kit/cli/args.ts';
import { untilSignal } from '../../../../kit/runtime/signals.ts';
import { startSocketIoPeer } from '../bench/socketio-peer.ts';
import { SocketIoMissingError } from '../bench/socketio-modules.ts';
import { ChatWsCommandError } from './common.ts';

export const SOCKETIO_PEER_HELP = `usage: mensageiro chat ws socketio-peer --redis URL --key PREFIX [--port 0] [--host 127.0.0.1]

The bench's comparison: a minimal Socket.IO 4 server (WebSocket transport only, rooms, the Redis adapter on
channels under --key). "mensageiro chat ws bench" starts two of these; it needs the development dependencies
socket.io and @socket.io/redis-adapter.
`;

export async function socketIoPeerCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro chat ws socketio-peer --help';
  const { values } = parseOptions(argv, help, { port: { type: 'string' }, host: { type: 'string' }, redis: { type: 'string' }, key: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    io.stdout.write(SOCKETIO_PEER_HELP);
    return 0;
  }
  let peer;
  try {
    peer = await startSocketIoPeer({ port: portOption('--port', values.port ?? '0', help), host: values.host ?? '127.0.0.1', redisUrl: values.redis ?? 'redis://127.0.0.1:6379', key: values.key ?? 'socket.io' });
  } catch (err) {
    if (err instanceof SocketIoMissingError) throw new ChatWsCommandError(err.message);
    throw err;
  }
  io.stdout.write(`socket.io peer listening on http://127.0.0.1:${peer.port}; Ctrl-C stops it\n`);
  await untilSignal();
  await peer.close();
  return 0;
}

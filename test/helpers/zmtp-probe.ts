import { connect } from 'node:net';
import { FrameReader, GREETING_BYTES, type ZmtpSocketType, checkGreeting, greeting, parseProperties, readyCommand } from '../../src/kit/zmtp/zmtp-codec.ts';
import { parseTcpEndpoint } from '../../src/kit/zmtp/zmtp-connection.ts';

/**
 * What a fresh TCP connection to `endpoint` finds: `refused` when nothing listens there, or the socket type the
 * listener names in its READY once a whole ZMTP handshake (greeting and READY, each way) is done as `as`.
 * Anything else (a listener that is not ZeroMQ, a handshake that does not finish in 5 s) rejects.
 */
export function probeZmtp(endpoint: string, as: ZmtpSocketType): Promise<'refused' | string> {
  const { host, port } = parseTcpEndpoint(endpoint);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => finish(() => reject(new Error(`no ZMTP handshake from ${endpoint} within 5 s`))), 5_000);
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      socket.destroy();
      settle();
    };
    let received = Buffer.alloc(0);
    let greeted = false;
    const reader = new FrameReader(64 * 1024);
    socket.on('connect', () => socket.write(Buffer.concat([greeting(), readyCommand(as)])));
    socket.on('error', (err: NodeJS.ErrnoException) => finish(() => (err.code === 'ECONNREFUSED' ? resolve('refused') : reject(err))));
    socket.on('close', () => finish(() => reject(new Error(`${endpoint} closed the connection before its READY`))));
    socket.on('data', (chunk: Buffer) => {
      try {
        if (!greeted) {
          received = Buffer.concat([received, chunk]);
          if (received.length < GREETING_BYTES) return;
          checkGreeting(received.subarray(0, GREETING_BYTES));
          greeted = true;
          chunk = received.subarray(GREETING_BYTES);
        }
        reader.push(chunk, (event) => {
          if (event.kind === 'command' && event.name === 'READY') {
            const type = parseProperties(event.body).get('Socket-Type')?.toString('latin1') ?? '';
            finish(() => resolve(type));
          }
        });
      } catch (err) {
        finish(() => reject(err as Error));
      }
    });
  });
}

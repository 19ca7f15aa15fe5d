import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nginxConfig } from '../../src/systems/payments/roles/nginx-config.ts';
import { binarySkip } from '../helpers/binaries.ts';
import { freePort, startCli } from '../helpers/cli-process.ts';
import { http } from '../helpers/payments-fixture.ts';
import { sleep, waitFor } from '../helpers/wait.ts';

const skip = binarySkip('nginx', ['/usr/sbin/nginx'], 'nginx') ?? binarySkip('prlimit', ['/usr/bin/prlimit'], 'util-linux');
const HALF_OPEN = 5_000;
/** Another loopback address than the normal client's, so a limit per address can tell them apart. */
const ATTACKER = '127.0.0.2';

/**
 * Slowloris from one address: `count` connections that each send the start of a request and never finish it.
 */
function slowloris(port: number, count: number, half: string) {
  const open = new Set<Socket>();
  let tried = 0;
  const connect = () => {
    const socket = new Socket();
    socket.once('error', () => undefined);
    socket.once('close', () => open.delete(socket));
    socket.connect({ port, host: '127.0.0.1', localAddress: ATTACKER }, () => {
      open.add(socket);
      socket.write(half);
    });
    socket.once('connect', () => (tried += 1)).once('error', () => (tried += 1));
  };
  for (let i = 0; i < count; i++) connect();
  return {
    /** Every connection is made or refused. */
    get done() {
      return tried === count;
    },
    get open() {
      return open.size;
    },
    stop() {
      for (const socket of open) socket.destroy();
    },
  };
}

describe('payments nginx: slow clients do not take the service down', { skip, timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'mensageiro-slow-clients-'));
  let backend: ReturnType<typeof startCli>;
  let nginx: ChildProcess;
  let url = '';
  let attack: ReturnType<typeof slowloris> | undefined;

  before(async () => {
    // nginx's workers may run as another user: they must reach the socket in here.
    chmodSync(dir, 0o755);
    const socket = join(dir, 'api1.sock');
    backend = startCli(['payments', 'serve', '--socket', socket, '--instance', 'api1']);
    await waitFor(() => backend.output().includes('payments backend api1 on'), 'the backend to start', 30_000);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    writeFileSync(join(dir, 'nginx.conf'), nginxConfig({ port, sockets: [socket], dir }));
    // Started with the open-file limit a login shell has by default (soft 1024): the config must not depend on it.
    nginx = spawn('prlimit', ['--nofile=1024:', 'nginx', '-c', join(dir, 'nginx.conf'), '-p', dir, '-e', 'stderr'], { stdio: 'ignore' });
    await waitFor(async () => (await http('GET', `${url}/payments-summary`).catch(() => undefined))?.status === 200, 'nginx to answer', 20_000);
  });

  after(() => {
    attack?.stop();
    nginx?.kill('SIGTERM');
    backend?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  /** The start of a request's header, or a whole header and the start of its body. */
  const halves = {
    header: 'GET /payments-summary HTTP/1.1\r\nHost: payments\r\n',
    body: 'POST /payments HTTP/1.1\r\nHost: payments\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"correlationId"',
  };
  for (const [part, half] of Object.entries(halves)) {
    it(`serves a normal client while ${HALF_OPEN} connections from one address hold a request's ${part} half sent, and drops them soon`, async () => {
      attack = slowloris(Number(new URL(url).port), HALF_OPEN, half);
      try {
        await waitFor(() => attack!.done, `${HALF_OPEN} connections to be made`, 30_000);
        await sleep(2_000);
        const reply = await http('GET', `${url}/payments-summary`, undefined, {}, 5_000).catch((err: Error) => err.message);
        assert.equal(typeof reply === 'string' ? reply : reply.status, 200, `with ${attack.open} of them still open`);
        // Nor are they held for long: a minute each (nginx's default) let an attacker keep the slots with few connects.
        await waitFor(() => attack!.open === 0, 'nginx to drop every half-sent request', 15_000).catch((err: Error) => assert.fail(`${err.message}: ${attack!.open} open`));
      } finally {
        attack.stop();
      }
    });
  }
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ChatSession } from '../../src/systems/chat/zmq/roles/chat-session.ts';
import { exitOf, freePortRange, startCli } from '../helpers/cli-process.ts';
import { killAndRecover, steadyLoad } from '../helpers/cluster-roles.ts';
import { waitFor } from '../helpers/wait.ts';

const ROLES: Array<[string, RegExp]> = [
  ['s1', /chat server s1 ready/],
  ['s2', /chat server s2 ready/],
  ['s3', /chat server s3 ready/],
  ['broker', /Ctrl-C stops it/],
  ['proxy', /Ctrl-C stops it/],
  ['reference', /Ctrl-C stops it/],
  ['bot1', /Ctrl-C stops it/],
  ['bot2', /Ctrl-C stops it/],
];

describe('chat zmq cluster: a killed role comes back by itself', { timeout: 400_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-zmq-restart-'));
  let cluster: ReturnType<typeof startCli>;
  const sessions: ChatSession[] = [];
  let base = 0;

  before(async () => {
    base = await freePortRange(5);
    cluster = startCli(['chat', 'zmq', 'cluster', '--servers', '3', '--bots', '2', '--port-base', String(base), '--data-dir', dataDir]);
    await waitFor(() => cluster.output().includes('chat zmq cluster: broker'), 'the cluster to come up', 180_000);
  });

  after(async () => {
    await Promise.all(sessions.map((s) => s.close()));
    if (cluster.exitCode === null) {
      cluster.kill('SIGINT');
      await exitOf(cluster, 30_000).catch(() => cluster.kill('SIGKILL'));
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  const open = async (user: string) => {
    const session = await ChatSession.open({ broker: `tcp://127.0.0.1:${base}`, proxy: `tcp://127.0.0.1:${base + 3}`, timeoutMs: 1_000, retries: 1 });
    sessions.push(session);
    await session.login(user);
    return session;
  };

  it('kill -9 of each role in turn under load: each is started again, and a message published reaches a subscriber within 5 s', async () => {
    const channel = `restart-${randomUUID().slice(0, 8)}`;
    const writer = await open('writer');
    await writer.createChannel(channel);
    const reader = await open('reader');
    reader.subscribe(channel);
    const received = new Set<string>();
    reader.onPublication((publication) => received.add(String(publication.payload.message)));
    const prober = await open('prober');
    /** One round trip through the whole service: a request via the broker to a server, and its publication via the proxy. */
    const delivers = async () => {
      const text = `probe ${randomUUID()}`;
      await prober.publish(channel, text);
      const deadline = Date.now() + 1_000;
      while (!received.has(text) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      return received.has(text);
    };
    await waitFor(delivers, 'a first delivery', 20_000);
    const load = steadyLoad(async () => Boolean(await writer.publish(channel, `load ${randomUUID()}`)), 100);
    try {
      for (const [role, ready] of ROLES) {
        const { killed, restarted } = await killAndRecover(cluster, role, delivers, ready);
        assert.notEqual(restarted, killed);
      }
    } finally {
      const { sent, answered } = await load.stop();
      assert.ok(answered > sent / 2, `load: ${answered} of ${sent} answered`);
    }
    assert.equal(cluster.exitCode, null, 'the cluster command is still running');
  });

  it('still stops everything on Ctrl-C, with exit code 0', async () => {
    cluster.kill('SIGINT');
    assert.equal(await exitOf(cluster, 30_000), 0);
    assert.doesNotMatch(cluster.output(), /stopped because/);
  });
});

describe('chat zmq cluster: a role that keeps crashing at start', { timeout: 180_000 }, () => {
  it('is given up on: the cluster stops, exit code 1, naming the role and its last lines', async () => {
    const base = await freePortRange(5);
    // The broker's port is taken: every start of the broker fails at once.
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(base, '0.0.0.0', resolve));
    const dataDir = mkdtempSync(join(tmpdir(), 'chat-zmq-crashing-'));
    const cluster = startCli(['chat', 'zmq', 'cluster', '--servers', '1', '--bots', '0', '--port-base', String(base), '--data-dir', dataDir]);
    try {
      assert.equal(await exitOf(cluster, 150_000), 1);
      const output = cluster.output();
      assert.match(output, /the cluster did not come up: broker exited within 10 s of starting 5 times in a row/);
      assert.match(output, /its last lines:\n {4}\S/);
      assert.equal((output.match(/^broker\s+\| restarting in/gm) ?? []).length, 4);
    } finally {
      if (cluster.exitCode === null) cluster.kill('SIGKILL');
      squatter.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

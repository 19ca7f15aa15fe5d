import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ChatSession } from '../../src/systems/chat/zmq/roles/chat-session.ts';
import { exitOf, freePortRange, startCli } from '../helpers/cli-process.ts';
import { waitFor } from '../helpers/wait.ts';

describe('mensageiro chat zmq cluster', { timeout: 180_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-zmq-cluster-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts the final topology as processes, serves a client, and stops it all on Ctrl-C with a usage table', async () => {
    const base = await freePortRange(5);
    const cluster = startCli(['chat', 'zmq', 'cluster', '--servers', '3', '--bots', '2', '--port-base', String(base), '--data-dir', dataDir]);
    try {
      await waitFor(() => cluster.output().includes('chat zmq cluster: broker'), 'the cluster to come up', 150_000);
      const session = await ChatSession.open({ broker: `tcp://127.0.0.1:${base}`, proxy: `tcp://127.0.0.1:${base + 3}` });
      try {
        await session.login('visitor');
        // The bots log in, create channels and publish: a client sees their work through the broker.
        await waitFor(async () => (await session.channels()).length > 0, 'a bot to create a channel', 20_000);
        // A server that has just started may not list its peers yet, so a write can reach the others only by
        // anti-entropy: wait for every server the broker deals to to know both bots and the visitor.
        let users: string[] = [];
        const everyone = async () => {
          for (let i = 0; i < 6; i++) {
            users = await session.users();
            if (users.filter((u) => u.startsWith('bot-')).length !== 2 || !users.includes('visitor')) return false;
          }
          return true;
        };
        await waitFor(everyone, 'both bots and the visitor to be known to every server', 20_000).catch(() => assert.fail(`users: ${users.join(', ')}`));
      } finally {
        await session.close();
      }
      cluster.kill('SIGINT');
      assert.equal(await exitOf(cluster, 20_000), 0);
      const output = cluster.output();
      assert.match(output, /process\s+RSS MB\s+peak MB\s+CPU s/);
      for (const role of ['broker', 'proxy', 'reference', 's1', 's2', 's3', 'bot1', 'bot2']) assert.match(output, new RegExp(`^  ${role}\\s+\\d`, 'm'), `${role} in the table`);
    } finally {
      // Ctrl-C first even when an assertion failed: a SIGKILLed cluster would leave its roles running.
      if (cluster.exitCode === null) {
        cluster.kill('SIGINT');
        await exitOf(cluster, 20_000).catch(() => cluster.kill('SIGKILL'));
      }
    }
  });
});

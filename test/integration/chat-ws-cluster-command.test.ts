import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { binarySkip } from '../helpers/binaries.ts';
import { ChatClient } from '../helpers/chat-ws-client.ts';
import { exitOf, freePortRange, startCli } from '../helpers/cli-process.ts';
import { killAndRecover } from '../helpers/cluster-roles.ts';
import { waitFor } from '../helpers/wait.ts';

const skip = binarySkip('nginx', ['/usr/sbin/nginx'], 'nginx') ?? binarySkip('redis-server', ['/usr/bin/redis-server'], 'redis-server');
const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

describe('mensageiro chat ws cluster', { skip, timeout: 240_000 }, () => {
  it('runs Redis, two servers and nginx as processes: a client through nginx and one on the other server chat; a killed server comes back', async () => {
    const base = await freePortRange(3);
    const cluster = startCli(['chat', 'ws', 'cluster', '--instances', '2', '--port', String(base), '--base-port', String(base + 1), '--anonymous']);
    const clients: ChatClient[] = [];
    try {
      await waitFor(() => cluster.output().includes('chat ws cluster: nginx') || cluster.exitCode !== null, 'the cluster to come up', 200_000);
      assert.equal(cluster.exitCode, null, cluster.output());
      const health = (await (await fetch(`http://127.0.0.1:${base}/health`)).json()) as { status: string; instance: string };
      assert.equal(health.status, 'ok');
      const page = await fetch(`http://127.0.0.1:${base}/`);
      assert.match(await page.text(), /Chat over WebSocket/);

      const room = unique('room');
      const throughNginx = await ChatClient.joined(`ws://127.0.0.1:${base}/ws`, { id: unique('ana'), username: 'ana' }, [room]);
      clients.push(throughNginx);
      const behind = throughNginx.of('welcome')[0]!.instance as string;
      const otherPort = behind === 's1' ? base + 2 : base + 1;
      const direct = await ChatClient.joined(`ws://127.0.0.1:${otherPort}/ws`, { id: unique('bia'), username: 'bia' }, [room]);
      clients.push(direct);
      assert.notEqual(direct.of('welcome')[0]!.instance, behind, 'the two clients are on different servers');
      direct.send({ type: 'publish', room, payload: 'across the cluster' });
      await throughNginx.next((f) => f.type === 'message' && (f.payload as { message: string }).message === 'across the cluster', 'the message through nginx');

      const answers = async () => (await fetch(`http://127.0.0.1:${otherPort}/health`)).ok;
      await killAndRecover(cluster, behind === 's1' ? 's2' : 's1', answers, /listening on/, 30_000);

      cluster.kill('SIGINT');
      assert.equal(await exitOf(cluster, 30_000), 0);
      for (const role of ['redis', 's1', 's2', 'nginx']) assert.match(cluster.output(), new RegExp(`^  ${role}\\s+\\d`, 'm'), `${role} in the usage table`);
    } finally {
      for (const client of clients) client.close();
      if (cluster.exitCode === null) {
        cluster.kill('SIGINT');
        await exitOf(cluster, 30_000).catch(() => cluster.kill('SIGKILL'));
      }
    }
  });
});

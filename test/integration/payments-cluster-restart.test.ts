import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { binarySkip } from '../helpers/binaries.ts';
import { exitOf } from '../helpers/cli-process.ts';
import { killAndRecover, steadyLoad } from '../helpers/cluster-roles.ts';
import { type RunningPaymentsCluster, startPaymentsCluster } from '../helpers/payments-cluster.ts';
import { paymentBody } from '../helpers/payments-fixture.ts';

const skip = binarySkip('nginx', ['/usr/sbin/nginx'], 'nginx') ?? binarySkip('redis-server', ['/usr/bin/redis-server'], 'redis-server');

describe('payments cluster: a killed process comes back by itself', { skip, timeout: 300_000 }, () => {
  let running: RunningPaymentsCluster;
  let cluster: RunningPaymentsCluster['cluster'];
  let url = '';

  before(async () => {
    running = await startPaymentsCluster();
    ({ cluster, url } = running);
  });
  after(() => running?.close());

  /** One new payment through nginx: accepted means the front door, a backend and the store all answered. */
  const pays = async () => (await fetch(`${url}/payments`, { method: 'POST', body: paymentBody(1, randomUUID()), headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(1_000) })).status === 202;

  it('kill -9 of each of redis, api1, api2 and nginx under load: each is started again and payments are accepted within 5 s', async () => {
    const load = steadyLoad(pays, 25);
    try {
      for (const role of ['api1', 'api2', 'redis', 'nginx']) {
        const { killed, restarted } = await killAndRecover(cluster, role, pays, role.startsWith('api') ? /payments backend api\d on/ : undefined);
        assert.notEqual(restarted, killed);
        assert.match(cluster.output(), new RegExp(`^${role}\\s+\\| restarting in`, 'm'));
      }
    } finally {
      const { sent, answered } = await load.stop();
      assert.ok(answered > 0 && sent > answered / 2, `load: ${answered} of ${sent} answered`);
    }
    assert.equal(cluster.exitCode, null, 'the cluster command is still running');
    const summary = await fetch(`${url}/payments-summary`);
    assert.equal(summary.status, 200);
  });

  it('still stops everything on Ctrl-C, with exit code 0', async () => {
    cluster.kill('SIGINT');
    assert.equal(await exitOf(cluster, 60_000), 0);
    assert.doesNotMatch(cluster.output(), /stopped because/);
  });
});

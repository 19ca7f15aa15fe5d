import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Bus } from '../../src/kit/bus/bus.ts';
import { createBus } from '../../src/kit/bus/registry.ts';
import { SALES_REQUESTS_QUEUE } from '../../src/systems/sales/domain/protocol.ts';
import type { SalesResponse } from '../../src/systems/sales/domain/sales-query.ts';
import { seedDatabase } from '../../src/systems/sales/store/seed-database.ts';
import { exitOf, startCli } from '../helpers/cli-process.ts';
import { killAndRecover, steadyLoad } from '../helpers/cluster-roles.ts';
import { type ResolvedEngine, engine, startPrivateEngine } from '../helpers/engines.ts';
import { waitFor } from '../helpers/wait.ts';

const ROLES: Array<[string, RegExp]> = [
  ['mom-worker-1', /MOM Worker \[mom-worker-1\] listening/],
  ['mom-worker-2', /MOM Worker \[mom-worker-2\] listening/],
  ['mom-worker-3', /MOM Worker \[mom-worker-3\] listening/],
  ['mom-lb-1', /MOM Load Balancer running/],
  ['mom-lb-2', /MOM Load Balancer running/],
];

// The queue names are the seed's and fixed: a RabbitMQ of this test's own keeps them apart from other tests'.
describe('sales cluster on RabbitMQ: a killed process comes back by itself', { skip: engine('amqp').skip, timeout: 400_000 }, () => {
  let rabbit: ResolvedEngine;
  let cluster: ReturnType<typeof startCli> | undefined;
  let client: Bus | undefined;
  let dir = '';

  before(async () => {
    rabbit = await startPrivateEngine('amqp');
    if (rabbit.skip) throw new Error(`a private RabbitMQ is needed: ${rabbit.skip}`);
    dir = mkdtempSync(join(tmpdir(), 'sales-cluster-restart-'));
    const db = join(dir, 'sales.db');
    await seedDatabase(db, { sales: 5_000, products: 100, seed: 7 });
    cluster = startCli(['sales', 'cluster', '--bus', rabbit.url!, '--balancers', '2', '--workers', '3', '--db', db, '--port', '0']);
    await waitFor(() => (cluster!.output().match(/MOM (Worker|Load Balancer)/g) ?? []).length === 5, 'the balancers and workers to come up', 180_000);
    client = await createBus(rabbit.url);
  });

  after(async () => {
    await client?.close({ graceMs: 0 });
    if (cluster && cluster.exitCode === null) {
      cluster.kill('SIGINT');
      await exitOf(cluster, 30_000).catch(() => cluster!.kill('SIGKILL'));
    }
    rabbit?.stop?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const query = async (timeoutMs: number) => (await client!.request<SalesResponse>(SALES_REQUESTS_QUEUE, { region: 'Asia' }, { timeoutMs })).total_sales_count > 0;

  it('kill -9 of each worker and each of two balancers under load: each is started again, queries are answered within 5 s, none is lost', async () => {
    await waitFor(() => query(2_000).catch(() => false), 'a first answer', 30_000);
    const load = steadyLoad(() => query(15_000), 50);
    try {
      for (const [role, ready] of ROLES) {
        const { killed, restarted } = await killAndRecover(cluster!, role, () => query(1_000), ready);
        assert.notEqual(restarted, killed);
      }
    } finally {
      const { sent, answered } = await load.stop();
      assert.equal(answered, sent, `every query of the load was answered: ${answered} of ${sent}`);
    }
    assert.equal(cluster!.exitCode, null, 'the cluster command is still running');
  });

  it('still stops everything on Ctrl-C, with exit code 0', async () => {
    cluster!.kill('SIGINT');
    assert.equal(await exitOf(cluster!, 30_000), 0);
    assert.doesNotMatch(cluster!.output(), /stopped because/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/kit/observe/log.ts';
import type { FleetBenchJson } from '../../src/systems/fleet/bench/bench-report.ts';
import { startFleetApi } from '../../src/systems/fleet/roles/fleet-api.ts';
import { exitOf, startCli } from '../helpers/cli-process.ts';
import { engine } from '../helpers/engines.ts';
import { testSchema, testTopology } from '../helpers/fleet-fixtures.ts';

const postgres = engine('postgres');
const amqp = engine('amqp');

describe('fleet bench', { skip: postgres.skip ?? amqp.skip, timeout: 120_000 }, () => {
  it('loads a running API at the rate asked, in pairs, and prints the runs and their medians as JSON', async () => {
    const api = await startFleetApi({
      port: 0, host: '127.0.0.1', command: 'test', postgres: postgres.url!, schema: testSchema('bench'), amqp: amqp.url!, topology: testTopology('bench'),
      relay: false, relayOptions: {}, log: createLogger('test'),
    });
    try {
      const bench = startCli(['fleet', 'bench', '--url', api.url, '--rate', '40', '--duration', '1s', '--warmup', '0', '--pairs', '2', '--json']);
      let stdout = '';
      bench.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      assert.equal(await exitOf(bench, 60_000), 0, bench.output());
      const report = JSON.parse(stdout) as FleetBenchJson;
      assert.equal(report.results.length, 2);
      for (const result of report.results) {
        assert.equal(result.ok, 40);
        assert.equal(result.failed, 0);
      }
      assert.deepEqual(report.ingest.runs.map((run) => [run.rate, run.variant, run.pair]), [[40, 'given', 1], [40, 'given', 2]]);
      assert.equal(report.ingest.medians.length, 1);
      assert.equal(report.ingest.medians[0]!.runs, 2);
      const [row] = await api.stores.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${api.stores.db.schema}.orders WHERE id LIKE 'bench-%'`);
      assert.equal(row!.n, 80, 'every request made an order of its own');
      assert.match(bench.output(), /p99 ms/);
    } finally {
      await api.stores.db.exec(`DROP SCHEMA IF EXISTS ${api.stores.db.schema} CASCADE`);
      await api.close();
    }
  });
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { Bus } from '../../src/kit/bus/bus.ts';
import { createBus } from '../../src/kit/bus/registry.ts';
import { parseSalesRequest } from '../../src/systems/sales/domain/parse-sales-request.ts';
import type { SalesResponse } from '../../src/systems/sales/domain/sales-query.ts';
import { SalesReader } from '../../src/systems/sales/store/sales-reader.ts';
import { seedDatabase } from '../../src/systems/sales/store/seed-database.ts';
import { startCli } from '../helpers/cli-process.ts';
import { engine } from '../helpers/engines.ts';
import { waitFor } from '../helpers/wait.ts';

const amqp = engine('amqp');
/** nobody:nogroup. Run as root, the test drops to it; run as anyone else, it already is not root. */
const NOBODY = { uid: 65534, gid: 65534 };

// As the container runs it: a non-root user, the database on a volume it cannot write. A WAL database would need
// its -shm file created beside it even to be read.
describe('a sales worker on a read-only copy of the database', { skip: amqp.skip, timeout: 90_000 }, () => {
  const id = `test.sales-ro.${randomUUID().slice(0, 8)}`;
  let base = '';
  let readonlyDir = '';
  let seeded = '';
  let worker: ReturnType<typeof startCli> | undefined;
  let client: Bus;

  before(async () => {
    base = mkdtempSync(join(tmpdir(), 'sales-ro-'));
    chmodSync(base, 0o755);
    seeded = join(base, 'seeded.db');
    await seedDatabase(seeded, { sales: 2_000, products: 100, seed: 11 });
    readonlyDir = join(base, 'ro');
    mkdirSync(readonlyDir);
    copyFileSync(seeded, join(readonlyDir, 'sales.db'));
    chmodSync(join(readonlyDir, 'sales.db'), 0o444);
    chmodSync(readonlyDir, 0o555);
    client = await createBus(amqp.url);
  });

  after(async () => {
    worker?.kill('SIGKILL');
    await client?.deleteQueue(id).catch(() => {});
    await client?.close({ graceMs: 0 });
    rmSync(base, { recursive: true, force: true });
  });

  it('answers queries as a non-root user, and creates nothing beside the database', async () => {
    const asNobody = process.getuid?.() === 0 ? NOBODY : undefined;
    worker = startCli(['sales', 'worker', '--id', id, '--db', join(readonlyDir, 'sales.db'), '--bus', amqp.url!], { HOME: base }, asNobody);
    await waitFor(() => /listening/.test(worker!.output()) || worker!.exitCode !== null, 'the worker to start');
    assert.equal(worker.exitCode, null, `the worker runs: ${worker.output()}`);

    const request = { region: 'Europe', start_date: '2022-01-01', end_date: '2023-12-31' };
    const reply = await client.request<SalesResponse>(id, request, { timeoutMs: 10_000 });
    const reader = SalesReader.open(seeded);
    const expected = reader.query(parseSalesRequest(request));
    reader.close();
    assert.ok(expected.count > 0, 'the query matches some sales');
    assert.equal(reply.total_sales_count, expected.count);
    assert.equal(reply.total_revenue, expected.revenue);
    assert.equal(reply.region_processed, id);
    assert.deepEqual(readdirSync(readonlyDir), ['sales.db']);
  });

  it('refuses a database an older seed wrote in WAL mode with the command that rewrites it', async () => {
    const walDir = join(base, 'wal');
    mkdirSync(walDir);
    const path = join(walDir, 'sales.db');
    copyFileSync(seeded, path);
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.close();
    chmodSync(path, 0o444);
    chmodSync(walDir, 0o555);
    const asNobody = process.getuid?.() === 0 ? NOBODY : undefined;
    const refused = startCli(['sales', 'worker', '--id', `${id}-wal`, '--db', path, '--bus', amqp.url!], { HOME: base }, asNobody);
    await waitFor(() => refused.exitCode !== null, 'the worker to exit');
    assert.notEqual(refused.exitCode, 0);
    assert.match(refused.output(), /WAL mode.*mensageiro sales seed --db/s);
  });
});

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { parseSalesRequest } from '../../src/systems/sales/domain/parse-sales-request.ts';
import { SalesReader } from '../../src/systems/sales/store/sales-reader.ts';
import { INDEXES, TABLES } from '../../src/systems/sales/store/schema.ts';
import { seedDatabase } from '../../src/systems/sales/store/seed-database.ts';

const dir = mkdtempSync(join(tmpdir(), 'sales-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Ten hand-made sales; the expected totals below are worked out from this table by hand. */
function fixture(path: string): void {
  const db = new Database(path);
  db.exec(TABLES);
  db.exec("INSERT INTO regions (id, name) VALUES (1, 'Europe'), (2, 'Asia')");
  db.exec('INSERT INTO stores (id, name, region_id) VALUES (1, "A", 1), (2, "B", 1), (3, "C", 2)'.replaceAll('"', "'"));
  db.exec(`INSERT INTO products (id, name, category, price) VALUES
    (1, 'Luxury Computers', 'Computers', 10), (2, 'Modern Books', 'Books', 5),
    (3, 'Vintage 100%_Sale', 'Computers', 7), (4, 'Eco Books', 'Books', 3)`);
  db.exec(`INSERT INTO customers (id, first_name, last_name) VALUES (1, 'Ana', 'Silva'), (2, 'Bruno', 'O''Brien'), (3, 'Carla', 'Back\\slash')`);
  const sale = db.prepare('INSERT INTO sales (id, date, amount, store_id, product_id, customer_id, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const rows: Array<[number, string, number, number, number, number, string | null]> = [
    [1, '2021-01-01 08:00:00', 10, 1, 1, 1, null], // Europe Computers
    [2, '2021-06-15 23:30:00', 20, 2, 2, 2, null], // Europe Books
    [3, '2022-03-10 12:00:00', 30, 3, 1, 3, null], // Asia Computers
    [4, '2022-12-31 22:59:59', 40, 1, 3, 1, null], // Europe Computers
    [5, '2023-01-01 00:00:00', 50, 3, 4, 2, null], // Asia Books
    [6, '2023-07-04 01:15:00', 60, 2, 1, 3, null], // Europe Computers
    [7, '2024-02-29 15:45:00', 70, 3, 2, 1, null], // Asia Books
    [8, '2024-12-31 23:59:59', 80, 1, 4, 2, null], // Europe Books
    [9, '2025-05-05 05:05:05', 90, 2, 3, 3, null], // Europe Computers
    [10, '2025-05-05 05:05:06', 5, 3, 3, 1, '2025-06-01 00:00:00'], // soft-deleted: never counted
  ];
  for (const row of rows) sale.run(...row);
  db.exec(INDEXES);
  db.close();
}

describe('SalesReader on a hand-made dataset', () => {
  let reader: SalesReader;
  before(() => {
    const path = join(dir, 'fixture.db');
    fixture(path);
    reader = SalesReader.open(path);
  });
  after(() => reader.close());

  const cases: Array<[string, Record<string, unknown>, number, number]> = [
    ['no filter', {}, 9, 450],
    ['region Europe', { region: 'Europe' }, 6, 300],
    ['region Asia (the deleted sale left out)', { region: 'Asia' }, 3, 150],
    ['category Computers', { category: 'Computers' }, 5, 230],
    ['category Books', { category: 'Books' }, 4, 220],
    ['a year, its last day included', { start_date: '2022-01-01', end_date: '2022-12-31' }, 2, 70],
    ['an end minute covers its seconds', { start_date: '2022-01-01', end_date: '2022-12-31 22:59' }, 2, 70],
    ['an end second is exact', { start_date: '2022-01-01', end_date: '2022-12-31 22:59:58' }, 1, 30],
    ['start date only', { start_date: '2023-01-01' }, 5, 350],
    ['hours 8 to 15', { start_hour: 8, end_hour: 15 }, 3, 110],
    ['hours 22 to 1 across midnight', { start_hour: 22, end_hour: 1 }, 5, 250],
    ['amounts 30 to 60', { min_amount: 30, max_amount: 60 }, 4, 180],
    ['product keyword', { product_keyword: 'Luxury' }, 3, 100],
    ['product keyword, any case', { product_keyword: 'lux' }, 3, 100],
    ['buyer keyword with a quote', { buyer_keyword: "O'Brien" }, 3, 150],
    ['buyer keyword on the first name', { buyer_keyword: 'Ana' }, 3, 120],
    ['buyer keyword with a backslash', { buyer_keyword: 'Back\\slash' }, 3, 180],
    ['Europe × Computers × dates × hours', { region: 'Europe', category: 'Computers', start_date: '2021-01-01', end_date: '2023-12-31', start_hour: 0, end_hour: 12 }, 2, 70],
    ['Asia × Books × min amount', { region: 'Asia', category: 'Books', min_amount: 60 }, 1, 70],
    ['Europe × keyword × buyer', { region: 'Europe', product_keyword: 'Vintage', buyer_keyword: 'Carla' }, 1, 90],
    ['nothing matches', { region: 'Asia', start_date: '2020-01-01', end_date: '2020-12-31' }, 0, 0],
  ];
  for (const [name, request, count, revenue] of cases) {
    it(name, () => assert.deepEqual(reader.query(parseSalesRequest(request)), { count, revenue }));
  }

  it('matches keywords literally: wildcards and injection attempts find only literal text', () => {
    const totals = (body: Record<string, unknown>) => reader.query(parseSalesRequest(body));
    assert.deepEqual(totals({ product_keyword: '%' }), { count: 2, revenue: 130 }, 'only the product whose name has a % sign');
    assert.deepEqual(totals({ product_keyword: '_' }), { count: 2, revenue: 130 });
    assert.deepEqual(totals({ product_keyword: '100%_S' }), { count: 2, revenue: 130 });
    assert.deepEqual(totals({ buyer_keyword: '\\' }), { count: 3, revenue: 180 });
    for (const attack of ["' OR 1=1 --", '"; DROP TABLE sales; --', "x' UNION SELECT 1, 2 --", '%%%%', 'Ana%']) {
      assert.deepEqual(totals({ buyer_keyword: attack }), { count: 0, revenue: 0 }, attack);
      assert.deepEqual(totals({ product_keyword: attack }), { count: 0, revenue: 0 }, attack);
    }
    assert.deepEqual(totals({}), { count: 9, revenue: 450 }, 'the table is intact');
  });

});

describe('seedDatabase', () => {
  const checksum = (path: string) => {
    const db = new Database(path, { readonly: true });
    const hash = createHash('sha256');
    for (const row of db.prepare('SELECT * FROM sales ORDER BY id').iterate()) hash.update(JSON.stringify(row));
    for (const row of db.prepare('SELECT * FROM products ORDER BY id').iterate()) hash.update(JSON.stringify(row));
    db.close();
    return hash.digest('hex');
  };

  it('repeats a dataset for the same seed and changes it for another', async () => {
    const a = join(dir, 'a.db');
    const b = join(dir, 'b.db');
    const c = join(dir, 'c.db');
    const progress: number[] = [];
    await seedDatabase(a, { sales: 3_000, products: 100, seed: 1, onProgress: (done) => progress.push(done) });
    await seedDatabase(b, { sales: 3_000, products: 100, seed: 1 });
    await seedDatabase(c, { sales: 3_000, products: 100, seed: 2 });
    assert.equal(checksum(a), checksum(b));
    assert.notEqual(checksum(a), checksum(c));
    assert.equal(progress.at(-1), 3_000);
  });

  it('writes the reference’s distributions in rollback-journal mode (readable from a read-only directory), with nothing left beside the file', async () => {
    const path = join(dir, 'shape.db');
    await seedDatabase(path, { sales: 5_000, products: 120, seed: 3 });
    assert.equal(existsSync(`${path}-wal`) || existsSync(`${path}-shm`), false);
    const db = new Database(path, { readonly: true });
    const one = (sql: string) => Object.values(db.prepare(sql).get() as object)[0];
    assert.equal(one('PRAGMA journal_mode'), 'delete');
    assert.equal(one('SELECT COUNT(*) FROM sales'), 5_000);
    assert.equal(one('SELECT COUNT(*) FROM products'), 120);
    assert.equal(one('SELECT COUNT(*) FROM customers'), 150);
    assert.equal(one('SELECT COUNT(*) FROM stores'), 12);
    assert.equal(one("SELECT group_concat(name, '|') FROM (SELECT name FROM regions ORDER BY id)"), 'North America|South America|Europe|Oceania|Asia');
    assert.equal(one('SELECT COUNT(DISTINCT category) FROM products'), 8);
    assert.equal(one("SELECT MIN(date) >= '2020-01-01' AND MAX(date) < '2026-01-01' FROM sales"), 1);
    assert.equal(one('SELECT MIN(amount) >= 0 AND MAX(amount) <= 98 FROM sales'), 1);
    assert.equal(one('SELECT MAX(CAST(substr(date, 12, 2) AS INTEGER)) FROM sales'), 22);
    assert.equal(one("SELECT COUNT(*) FROM products WHERE name = 'Vintage Appliances 2'"), 1, 'names repeat with a number after the 56 combinations');
    const plan = db
      .prepare('EXPLAIN QUERY PLAN SELECT COUNT(*) FROM sales s WHERE s.store_id IN (SELECT id FROM stores WHERE region_id = 1) AND s.product_id IN (SELECT id FROM products WHERE category = ?) AND s.date >= ? AND s.date < ?')
      .all('Computers', '2021', '2022') as Array<{ detail: string }>;
    assert.match(plan[0]!.detail, /USING COVERING INDEX idx_sales_store_product_date/, 'the benchmark’s query shape reads only the covering index');
    db.close();
    const reader = SalesReader.open(path);
    assert.deepEqual(reader.regions(), ['North America', 'South America', 'Europe', 'Oceania', 'Asia']);
    assert.equal(reader.categories().length, 8);
    reader.close();
  });

  it('tells how to create a missing database', () => {
    assert.throws(() => SalesReader.open(join(dir, 'nope.db')), /mensageiro sales seed --db .*nope\.db/);
  });
});

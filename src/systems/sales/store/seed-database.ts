import { rmSync, renameSync } from 'node:fs';
import Database from 'better-sqlite3';
import { CATEGORIES, REGIONS } from '../domain/catalog.ts';
import { INDEXES, TABLES } from './schema.ts';
import { SeededRandom } from './seeded-random.ts';

export interface SeedOptions {
  sales: number;
  products: number;
  seed: number;
  /** Called every batch and once at the end with done === total. */
  onProgress?: (done: number, total: number) => void;
}

const ADJECTIVES = ['Vintage', 'Modern', 'Eco friendly', 'Luxury', 'High end', 'Enthusiast', 'Refurbished'];
const FIRST_NAMES = ['Ana', 'Bruno', 'Carla', 'Diego', 'Elisa', 'Felipe', 'Gabriela', 'Hugo', 'Isabel', 'João'];
const LAST_NAMES = ['Silva', 'Santos', 'Oliveira', 'Souza', 'Rodrigues', 'Ferreira', 'Alves', 'Pereira', 'Lima', 'Gomes', 'Costa', 'Ribeiro', 'Martins', 'Carvalho', 'Almeida'];
const STORE_ADJECTIVES = ['Central', 'Prime', 'Urban', 'Global'];
const STORE_BRANDS = ['Mart', 'Outlet', 'Depot'];
const EPOCH = '2020-01-01 00:00:00';
/** Rows per INSERT statement and per transaction: many rows per statement is what makes 10 M rows quick. */
const ROWS_PER_STATEMENT = 64;
const ROWS_PER_BATCH = 65_536;

const pad2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

/** Every day from 2020-01-01 to 2025-12-31 as text, so a sale's date is one pick and a concatenation. */
function days(): string[] {
  const out: string[] = [];
  for (let t = Date.UTC(2020, 0, 1); t <= Date.UTC(2025, 11, 31); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/**
 * Writes a fresh database with the reference's distributions to a temporary file beside `path`, then renames
 * it over `path`, so a crash never leaves half a database where the workers look. Deterministic in `seed`.
 */
export async function seedDatabase(path: string, options: SeedOptions): Promise<{ path: string; sales: number; ms: number }> {
  const started = performance.now();
  const temp = `${path}.seeding-${process.pid}`;
  rmSync(temp, { force: true });
  const db = new Database(temp);
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('cache_size = -262144');
    db.exec(TABLES);
    const random = new SeededRandom(options.seed);
    db.transaction(() => seedDimensions(db, random, options.products))();
    await seedSales(db, random, options);
    db.exec(INDEXES);
    db.pragma('locking_mode = NORMAL');
    // Rollback journal, not WAL: readers of a WAL database must create its -shm beside it, which they cannot
    // do in a read-only directory or volume. Nothing writes to the file once it is renamed into place.
    db.pragma('journal_mode = DELETE');
  } catch (err) {
    db.close();
    rmSync(temp, { force: true });
    throw err;
  }
  db.close();
  for (const stale of [`${path}-wal`, `${path}-shm`]) rmSync(stale, { force: true });
  renameSync(temp, path);
  return { path, sales: options.sales, ms: Math.round(performance.now() - started) };
}

function seedDimensions(db: Database.Database, random: SeededRandom, products: number): void {
  const region = db.prepare('INSERT INTO regions (id, created_at, updated_at, name) VALUES (?, ?, ?, ?)');
  REGIONS.forEach((name, i) => region.run(i + 1, EPOCH, EPOCH, name));
  const store = db.prepare('INSERT INTO stores (id, created_at, updated_at, name, region_id) VALUES (?, ?, ?, ?, ?)');
  let id = 0;
  for (const adjective of STORE_ADJECTIVES) for (const brand of STORE_BRANDS) store.run(++id, EPOCH, EPOCH, `${adjective} ${brand}`, random.int(1, REGIONS.length));
  const product = db.prepare('INSERT INTO products (id, created_at, updated_at, name, category, price) VALUES (?, ?, ?, ?, ?, ?)');
  const combinations = ADJECTIVES.flatMap((adjective) => CATEGORIES.map((category) => `${adjective} ${category}`));
  for (let i = 0; i < products; i++) {
    const round = Math.floor(i / combinations.length);
    const name = `${combinations[i % combinations.length]}${round > 0 ? ` ${round + 1}` : ''}`;
    product.run(i + 1, EPOCH, EPOCH, name, random.pick(CATEGORIES), Math.round(random.next() * 1_500_000) / 100);
  }
  const customer = db.prepare('INSERT INTO customers (id, created_at, updated_at, first_name, last_name) VALUES (?, ?, ?, ?, ?)');
  id = 0;
  for (const first of FIRST_NAMES) for (const last of LAST_NAMES) customer.run(++id, EPOCH, EPOCH, first, last);
}

async function seedSales(db: Database.Database, random: SeededRandom, options: SeedOptions): Promise<void> {
  const { sales: total, products } = options;
  const stores = STORE_ADJECTIVES.length * STORE_BRANDS.length;
  const customers = FIRST_NAMES.length * LAST_NAMES.length;
  const calendar = days();
  const row = '(?, ?, ?, ?, ?, ?, ?)';
  const columns = 'INSERT INTO sales (created_at, updated_at, date, amount, store_id, product_id, customer_id) VALUES ';
  const many = db.prepare(columns + Array(ROWS_PER_STATEMENT).fill(row).join(', '));
  const params: Array<string | number> = new Array(ROWS_PER_STATEMENT * 7);
  const insert = db.transaction((count: number) => {
    let filled = 0;
    const flush = (rows: number) => {
      if (rows === ROWS_PER_STATEMENT) many.run(params);
      else db.prepare(columns + Array(rows).fill(row).join(', ')).run(params.slice(0, rows * 7));
    };
    for (let i = 0; i < count; i++) {
      const date = `${calendar[Math.floor(random.next() * calendar.length)]} ${pad2[random.int(0, 22)]}:${pad2[random.int(0, 59)]}:${pad2[random.int(0, 59)]}`;
      const at = filled * 7;
      params[at] = date;
      params[at + 1] = date;
      params[at + 2] = date;
      params[at + 3] = random.int(0, 98);
      params[at + 4] = random.int(1, stores);
      params[at + 5] = random.int(1, products);
      params[at + 6] = random.int(1, customers);
      if (++filled === ROWS_PER_STATEMENT) {
        flush(filled);
        filled = 0;
      }
    }
    if (filled > 0) flush(filled);
  });
  for (let done = 0; done < total; ) {
    const count = Math.min(ROWS_PER_BATCH, total - done);
    insert(count);
    done += count;
    options.onProgress?.(done, total);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

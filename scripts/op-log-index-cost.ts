// What an index on the chat op log's random ids costs per commit: 5,000 transactions of 4 inserts each, after
// 20,000 rows, into a WAL database with synchronous=NORMAL, as the servers write, with and without the index.
//   node --import tsx scripts/op-log-index-cost.ts
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const VARIANTS = [
  { name: 'AUTOINCREMENT + UNIQUE(id)', autoincrement: true, unique: true },
  { name: 'UNIQUE(id)', autoincrement: false, unique: true },
  { name: 'no index on id (committed)', autoincrement: false, unique: false },
];
const WARM_UP = 5_000;
const MEASURED = 5_000;
const ROWS_PER_COMMIT = 4;

const dir = mkdtempSync(join(tmpdir(), 'op-log-index-cost-'));
try {
  for (const variant of VARIANTS) {
    const db = new Database(join(dir, `${VARIANTS.indexOf(variant)}.db`));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec(`CREATE TABLE ops (seq INTEGER PRIMARY KEY ${variant.autoincrement ? 'AUTOINCREMENT' : ''}, id TEXT NOT NULL ${variant.unique ? 'UNIQUE' : ''},
      kind TEXT NOT NULL, origin TEXT NOT NULL, clock INTEGER NOT NULL, at REAL NOT NULL, op TEXT NOT NULL)`);
    const insert = db.prepare('INSERT INTO ops (id, kind, origin, clock, at, op) VALUES (?, ?, ?, ?, ?, ?)');
    const commit = db.transaction(() => {
      for (let i = 0; i < ROWS_PER_COMMIT; i++) {
        const id = randomUUID();
        insert.run(id, 'publish', 's1', 1, Date.now(), JSON.stringify({ id, message: 'hello world message' }));
      }
    });
    for (let i = 0; i < WARM_UP; i++) commit();
    const cpuBefore = process.cpuUsage();
    const startedAt = performance.now();
    for (let i = 0; i < MEASURED; i++) commit();
    const wallUs = ((performance.now() - startedAt) * 1_000) / MEASURED;
    const cpu = process.cpuUsage(cpuBefore);
    console.log(`${variant.name.padEnd(28)} ${wallUs.toFixed(1)} µs per commit (user ${(cpu.user / MEASURED).toFixed(1)}, system ${(cpu.system / MEASURED).toFixed(1)} µs)`);
    db.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

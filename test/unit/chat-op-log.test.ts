import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { ChatOp } from '../../src/systems/chat/domain/chat-op.ts';
import { toServerData } from '../../src/systems/chat/domain/server-data.ts';
import { openSqliteOpLog, readServerData } from '../../src/systems/chat/store/sqlite-op-log.ts';

const dir = mkdtempSync(join(tmpdir(), 'chat-op-log-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const AT = Date.UTC(2025, 9, 1, 12, 0, 0);

function ops(prefix: string, count: number): ChatOp[] {
  const out: ChatOp[] = [
    { id: `${prefix}-login`, origin: 's1', clock: 1, at: AT, kind: 'login', user: 'ana' },
    { id: `${prefix}-channel`, origin: 's1', clock: 2, at: AT + 1, kind: 'channel', channel: 'geral' },
  ];
  for (let i = 0; out.length < count; i++) {
    out.push(
      i % 2 === 0
        ? { id: `${prefix}-p${i}`, origin: 's2', clock: 3 + i, at: AT + 2 + i, kind: 'publish', user: 'ana', channel: 'geral', message: `m${i}` }
        : { id: `${prefix}-d${i}`, origin: 's3', clock: 3 + i, at: AT + 2 + i, kind: 'message', src: 'ana', dst: 'ana', message: `d${i}` },
    );
  }
  return out;
}

describe('SqliteOpLog', () => {
  it('appends each id once and keeps ops, order and lastSeq across a reopen', () => {
    const path = join(dir, 'reopen', 'nested', 'log.db');
    const written = ops('r', 25);
    const log = openSqliteOpLog(path);
    assert.equal(log.lastSeq, 0);
    for (const op of written) assert.equal(log.append(op), true);
    const lastSeq = log.lastSeq;
    assert.ok(lastSeq >= written.length);
    assert.equal(log.append({ ...written[3]!, clock: 999 }), false, 'a known id is refused whatever its content');
    assert.equal(log.lastSeq, lastSeq, 'a duplicate does not move lastSeq');
    assert.deepEqual(log.all(), written);
    log.close();

    const reopened = openSqliteOpLog(path);
    assert.equal(reopened.lastSeq, lastSeq);
    assert.deepEqual(reopened.all(), written);
    assert.equal(reopened.append(written[0]!), false, 'ids are remembered across a reopen');
    const extra = ops('late', 3)[2]!;
    assert.equal(reopened.append(extra), true);
    assert.ok(reopened.lastSeq > lastSeq);
    assert.deepEqual(reopened.all(), [...written, extra]);
    reopened.close();
  });

  it('replaces an op by another version of its id at the end of the log, for readers that already passed it too', () => {
    const path = join(dir, 'replace.db');
    const log = openSqliteOpLog(path);
    const [login, channel, first] = ops('rp', 3);
    for (const op of [login!, channel!, first!]) log.append(op);
    const cursor = log.lastSeq;
    const retried: ChatOp = { ...first!, origin: 's0', clock: 1, at: AT + 99 };
    log.replace(retried);
    const page = log.ids(cursor, 10);
    assert.deepEqual(page.ids, [first!.id], 'a reader past the old row sees the new one');
    assert.deepEqual(log.get([first!.id]), [retried]);
    assert.equal(log.append(first!), false, 'still one op per id');
    log.close();
    const reopened = openSqliteOpLog(path);
    assert.deepEqual(reopened.all(), [login, channel, retried]);
    assert.equal(reopened.lastSeq, cursor + 1);
    reopened.close();
  });

  it('pages through the log in append order, ending on the last seq', () => {
    const log = openSqliteOpLog(join(dir, 'page.db'));
    const written = ops('pg', 23);
    for (const op of written) log.append(op);
    const seen: ChatOp[] = [];
    let cursor = 0;
    for (;;) {
      const page = log.ids(cursor, 5);
      assert.ok(page.ids.length <= 5);
      if (page.ids.length === 0) {
        assert.equal(page.lastSeq, cursor, 'an empty page keeps the cursor');
        break;
      }
      assert.ok(page.lastSeq > cursor);
      seen.push(...log.get(page.ids));
      cursor = page.lastSeq;
    }
    assert.deepEqual(seen, written);
    assert.equal(cursor, log.lastSeq);
    assert.deepEqual(log.ids(log.lastSeq + 100, 5), { ids: [], lastSeq: log.lastSeq + 100 });
    assert.deepEqual(log.ids(0, 0).ids, []);
    for (const [afterSeq, limit] of [[-1, 5], [0.5, 5], [0, -1], [0, Number.NaN]] as const) assert.throws(() => log.ids(afterSeq, limit), RangeError);
    log.close();
  });

  it('appends a batch in one transaction, saying which ops were new, and rolls back a batch with a bad op', () => {
    const log = openSqliteOpLog(':memory:');
    const [a, b, c] = ops('batch', 3) as [ChatOp, ChatOp, ChatOp];
    log.append(a);
    assert.deepEqual(log.appendMany([a, b, c]), [false, true, true]);
    assert.deepEqual(log.all().map((op) => op.id), [a.id, b.id, c.id]);
    const [d] = ops('rolled-back', 1) as [ChatOp];
    assert.throws(() => log.appendMany([d, { ...d, id: '' }]), TypeError);
    assert.equal(log.all().length, 3, 'nothing of the failed batch was kept');
    log.close();
  });

  it('lists ids page by page and gives back the ops asked for by id, skipping ids it does not hold', () => {
    const log = openSqliteOpLog(':memory:');
    const all = ops('ids', 5);
    log.appendMany(all);
    const first = log.ids(0, 3);
    assert.deepEqual(first.ids, all.slice(0, 3).map((op) => op.id));
    const rest = log.ids(first.lastSeq, 10);
    assert.deepEqual(rest.ids, all.slice(3).map((op) => op.id));
    assert.deepEqual(log.ids(rest.lastSeq, 10), { ids: [], lastSeq: rest.lastSeq });
    assert.deepEqual(log.get([all[4]!.id, 'nobody', all[1]!.id]), [all[4], all[1]]);
    log.close();
  });

  it('refuses what is not a chat op and keeps only the fields of its kind', () => {
    const log = openSqliteOpLog(':memory:');
    assert.throws(() => log.append({ id: 'x', kind: 'login' } as unknown as ChatOp), TypeError);
    const op = ops('f', 1)[0]!;
    assert.equal(log.append({ ...op, extra: 'dropped' } as unknown as ChatOp), true);
    assert.deepEqual(log.all(), [op]);
    log.close();
    log.close();
  });

  it('writes none of a batch that holds a bad op, and can take its good ops again', () => {
    const log = openSqliteOpLog(':memory:');
    const [before, good] = ops('g', 2) as [ChatOp, ChatOp];
    log.append(before);
    assert.throws(() => log.appendMany([good, { id: 'bad', kind: 'login' } as unknown as ChatOp]), TypeError);
    assert.deepEqual(log.all(), [before]);
    assert.deepEqual(log.get([good.id]), [], 'the rolled-back op is not found by id');
    assert.deepEqual(log.appendMany([good, before]), [true, false]);
    assert.deepEqual(log.all(), [before, good]);
    log.close();
  });
});

describe('readServerData', () => {
  it('reads a log that a writer still has open, without disturbing it', () => {
    const path = join(dir, 'live.db');
    const log = openSqliteOpLog(path);
    const written = ops('live', 12);
    for (const op of written.slice(0, 6)) log.append(op);
    assert.deepEqual(readServerData(path), toServerData(written.slice(0, 6)));
    for (const op of written.slice(6)) assert.equal(log.append(op), true, 'the writer keeps writing after a read');
    assert.deepEqual(readServerData(path), toServerData(written));
    log.close();
    assert.deepEqual(readServerData(path), toServerData(written), 'and after it closed');
  });

  it('says what is wrong with a missing file or a file that is no chat log, and creates nothing', () => {
    const missing = join(dir, 'missing', 's9.db');
    assert.throws(() => readServerData(missing), /no chat log at/);
    assert.equal(existsSync(missing), false);
    const other = join(dir, 'other.db');
    const db = new Database(other);
    db.exec('CREATE TABLE things (id INTEGER)');
    db.close();
    assert.throws(() => readServerData(other), /not a chat log/);
  });
});

const CHILD_WRITER = `
import { openSqliteOpLog } from ${JSON.stringify(new URL('../../src/systems/chat/store/sqlite-op-log.ts', import.meta.url).href)};
const log = openSqliteOpLog(process.argv[2]);
// It writes until killed; should the test die first, it stops once orphaned instead of filling the disk.
const parent = process.ppid;
for (let i = 0; process.ppid === parent; i++) {
  const id = 'child-' + i;
  log.append({ id, origin: 'child', clock: i + 1, at: Date.now(), kind: 'publish', user: 'bot', channel: 'geral', message: 'x'.repeat(1 + (i % 700)) });
  process.stdout.write(id + '\\n');
}
`;

describe('a log written by a process killed mid-way', { timeout: 120_000 }, () => {
  it('opens with every op the process reported as appended, readable meanwhile from outside', async () => {
    const path = join(dir, 'killed', 'log.db');
    const script = join(dir, 'child-writer.mjs');
    writeFileSync(script, CHILD_WRITER);
    const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, path], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

    const reported: string[] = [];
    let acknowledgedBeforeRead = 0;
    let readWhileWriting = -1;
    try {
      let pending = '';
      await new Promise<void>((resolve, reject) => {
        child.on('exit', () => reject(new Error(`the writer exited before it was killed: ${stderr}`)));
        child.stdout.on('data', (chunk: Buffer) => {
          const lines = (pending + chunk.toString()).split('\n');
          pending = lines.pop()!;
          reported.push(...lines);
          if (readWhileWriting < 0 && reported.length >= 300) {
            acknowledgedBeforeRead = reported.length;
            // A read that throws must fail the test with its reason; thrown from here it left the promise pending
            // and the writer appending until the run was killed.
            try {
              readWhileWriting = readServerData(path).channel_messages.length;
            } catch (err) {
              reject(err as Error);
              return;
            }
          }
          if (reported.length >= 1500) resolve();
        });
      });
    } finally {
      child.kill('SIGKILL');
    }
    assert.equal(await exited, 'SIGKILL');
    assert.ok(readWhileWriting >= acknowledgedBeforeRead, `a reader saw ${readWhileWriting} of ${acknowledgedBeforeRead} acknowledged ops`);
    assert.ok(readServerData(path).channel_messages.length >= reported.length, 'the export reads the crashed log before any writer reopens it');

    const log = openSqliteOpLog(path);
    const stored = log.all().map((op) => op.id);
    const storedIds = new Set(stored);
    for (const id of reported) assert.ok(storedIds.has(id), `${id} was reported appended but is missing`);
    assert.deepEqual(stored.slice(0, reported.length), reported, 'append order is kept');
    assert.ok(log.lastSeq >= stored.length);
    assert.equal(readServerData(path).channel_messages.length, stored.length);
    const next = { id: 'after-crash', origin: 's1', clock: 1, at: AT, kind: 'login', user: 'ana' } as const;
    assert.equal(log.append(next), true, 'the log takes writes again');
    assert.equal(log.append({ ...next }), false);
    log.close();
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConcurrencyLimiter } from '../../src/systems/payments/emulator/concurrency-limiter.ts';
import { FixedWindowLimiter } from '../../src/systems/payments/emulator/fixed-window-limiter.ts';
import { type PaymentRow, PaymentTable } from '../../src/systems/payments/emulator/payment-table.ts';
import { parseInstant } from '../../src/systems/payments/emulator/processor-emulator.ts';

function row(id: string, requestedAtMs: number, amountCents = 100): PaymentRow {
  return { correlationId: id, amountCents, requestedAtMs, requestedAt: new Date(requestedAtMs).toISOString() };
}

describe('PaymentTable', () => {
  it('refuses a second row with the same correlationId', () => {
    const table = new PaymentTable();
    assert.equal(table.insert(row('a', 10, 100)), true);
    assert.equal(table.insert(row('a', 20, 999)), false);
    assert.equal(table.get('a')?.amountCents, 100);
    assert.equal(table.size, 1);
  });

  it('sums rows with from <= requestedAt <= to, whatever order they arrived in', () => {
    const table = new PaymentTable();
    for (const [id, at] of [['a', 30], ['b', 10], ['c', 20], ['d', 20], ['e', 40], ['f', 5]] as const) table.insert(row(id, at, at));
    assert.deepEqual(table.summary(10, 30), { totalRequests: 4, totalAmountCents: 80n });
    assert.deepEqual(table.summary(11, 29), { totalRequests: 2, totalAmountCents: 40n });
    assert.deepEqual(table.summary(20, 20), { totalRequests: 2, totalAmountCents: 40n });
    assert.deepEqual(table.summary(41, 100), { totalRequests: 0, totalAmountCents: 0n });
    assert.deepEqual(table.summary(30, 10), { totalRequests: 0, totalAmountCents: 0n });
  });

  it('counts every row when either bound is missing, as the original query does', () => {
    const table = new PaymentTable();
    table.insert(row('a', 10));
    table.insert(row('b', 20));
    assert.equal(table.summary().totalRequests, 2);
    assert.equal(table.summary(15, undefined).totalRequests, 2);
    assert.equal(table.summary(undefined, 15).totalRequests, 2);
  });

  it('sums exactly past 2^53 cents', () => {
    const table = new PaymentTable();
    const big = 2 ** 52;
    for (let i = 0; i < 5; i++) table.insert(row(`r${i}`, i, big - 1));
    assert.equal(table.summary().totalAmountCents, 5n * (BigInt(big) - 1n));
  });

  it('forgets everything on clear', () => {
    const table = new PaymentTable();
    table.insert(row('a', 10));
    table.clear();
    assert.equal(table.size, 0);
    assert.equal(table.get('a'), undefined);
    assert.equal(table.insert(row('a', 10)), true, 'the id is free again');
  });
});

describe('ConcurrencyLimiter', () => {
  it('starts callers up to the limit, queues the next oldest first, and refuses past the queue', () => {
    const limiter = new ConcurrencyLimiter(2, 2);
    const started: string[] = [];
    const run = (name: string) => limiter.enter(() => started.push(name));
    assert.equal(run('a'), 'started');
    assert.equal(run('b'), 'started');
    assert.equal(typeof run('c'), 'object');
    assert.equal(typeof run('d'), 'object');
    assert.equal(run('e'), 'refused');
    assert.equal(limiter.tryAcquire(), false);
    assert.deepEqual(started, ['a', 'b']);
    limiter.leave();
    assert.deepEqual(started, ['a', 'b', 'c']);
    limiter.leave();
    assert.deepEqual(started, ['a', 'b', 'c', 'd']);
    assert.equal(limiter.active, 2);
    limiter.leave();
    assert.equal(limiter.active, 1);
    assert.equal(limiter.tryAcquire(), true, 'a free permit with nobody waiting');
  });

  it('forgets a cancelled waiter, which frees its place', () => {
    const limiter = new ConcurrencyLimiter(1, 1);
    const started: string[] = [];
    limiter.enter(() => started.push('a'));
    const waiting = limiter.enter(() => started.push('b'));
    assert.notEqual(waiting, 'started');
    assert.notEqual(waiting, 'refused');
    if (typeof waiting === 'string') return;
    assert.equal(limiter.cancel(waiting), true);
    assert.notEqual(limiter.enter(() => started.push('c')), 'refused');
    limiter.leave();
    assert.deepEqual(started, ['a', 'c']);
    assert.equal(limiter.cancel(waiting), false);
  });
});

describe('FixedWindowLimiter', () => {
  it('lets one caller per window through, holds two for the next windows, and refuses the rest', async () => {
    const limiter = new FixedWindowLimiter(100);
    const started: [string, number][] = [];
    const t0 = performance.now();
    const run = (name: string) => limiter.enter(() => started.push([name, performance.now() - t0]));
    assert.equal(run('a'), 'started');
    assert.equal(typeof run('b'), 'object');
    assert.equal(typeof run('c'), 'object');
    assert.equal(run('d'), 'refused');
    await sleep(250);
    assert.deepEqual(
      started.map(([name]) => name),
      ['a', 'b', 'c'],
    );
    assert.ok(started[1]![1] >= 95 && started[2]![1] >= 195, JSON.stringify(started));
    await sleep(100);
    assert.equal(run('e'), 'started', 'a later window has its permit again');
    limiter.stop();
  });

  it('drops a cancelled waiter, so the next window goes to the one behind it', async () => {
    const limiter = new FixedWindowLimiter(60);
    const started: string[] = [];
    limiter.enter(() => started.push('a'));
    const b = limiter.enter(() => started.push('b'));
    limiter.enter(() => started.push('c'));
    if (typeof b === 'string') assert.fail('b should wait');
    assert.equal(limiter.cancel(b), true);
    await sleep(90);
    assert.deepEqual(started, ['a', 'c']);
    limiter.stop();
  });
});

describe('parseInstant', () => {
  it('reads the ISO-8601 forms System.Text.Json reads, in UTC unless an offset says otherwise', () => {
    const cases: [string, string][] = [
      ['2025-07-10T12:34:56.789Z', '2025-07-10T12:34:56.789Z'],
      ['2025-07-10T12:34:56Z', '2025-07-10T12:34:56.000Z'],
      ['2025-07-10T12:34:56.1234567Z', '2025-07-10T12:34:56.123Z'],
      ['2025-07-10T12:34:56.5Z', '2025-07-10T12:34:56.500Z'],
      ['2025-07-10T12:34:56', '2025-07-10T12:34:56.000Z'],
      ['2025-07-10T12:34', '2025-07-10T12:34:00.000Z'],
      ['2025-07-10', '2025-07-10T00:00:00.000Z'],
      ['2025-07-10T09:34:56.789-03:00', '2025-07-10T12:34:56.789Z'],
      ['2025-07-10T14:04:56+01:30', '2025-07-10T12:34:56.000Z'],
      ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ];
    for (const [text, iso] of cases) assert.equal(parseInstant(text), Date.parse(iso), text);
    assert.equal(parseInstant('0001-01-01T00:00:00Z'), -62135596800000, 'DateTime.MinValue, not 1901');
  });

  it('refuses what is not an instant', () => {
    for (const text of ['', 'yesterday', '2025-7-10', '2025-02-29T00:00:00Z', '2025-13-01T00:00:00Z', '2025-07-10T24:00:00Z', '2025-07-10T12:60:00Z', '2025-07-10 12:34:56Z', '2025-07-10T12:34:56.Z', '2025-07-10T12:34:56ZZ', '2025-07-10T12:34:56+0300', '0000-01-01', '2025-07-10T12:34:56.1234567890Z']) {
      assert.ok(Number.isNaN(parseInstant(text)), text);
    }
  });
});

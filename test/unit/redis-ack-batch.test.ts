import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { AckBatch } from '../../src/kit/bus/transports/redis/ack-batch.ts';

describe('redis ack batch', () => {
  it('sends the acks of one turn in one call, and settles each only when that call has', async () => {
    const calls: string[][] = [];
    let answer: () => void = () => {};
    const finished: string[][] = [];
    const batch = new AckBatch(
      (ids) => {
        calls.push(ids);
        return new Promise<void>((resolve) => (answer = resolve));
      },
      (ids) => finished.push(ids),
    );
    let settled = 0;
    const acks = ['1-0', '2-0', '3-0'].map((id) => batch.ack(id).then(() => void settled++));
    await nextTurn();
    assert.deepEqual(calls, [['1-0', '2-0', '3-0']]);
    assert.equal(settled, 0);
    answer();
    await Promise.all(acks);
    assert.deepEqual(finished, [['1-0', '2-0', '3-0']]);
    batch.ack('4-0').catch(() => {});
    await nextTurn();
    assert.deepEqual(calls[1], ['4-0']);
  });

  it('rejects every ack of a failed call, and still reports its ids as finished', async () => {
    const finished: string[][] = [];
    const batch = new AckBatch(async () => {
      throw new Error('connection lost');
    }, (ids) => finished.push(ids));
    const results = await Promise.allSettled([batch.ack('1-0'), batch.ack('2-0')]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.deepEqual(finished, [['1-0', '2-0']]);
  });

  it('sends a full batch at once, without waiting for the turn to end', () => {
    const calls: number[] = [];
    const batch = new AckBatch(async (ids) => void calls.push(ids.length), () => {});
    for (let i = 0; i < 1_200; i++) void batch.ack(`${i}-0`);
    assert.deepEqual(calls, [500, 500]);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeliveryLedger } from '../../src/systems/chat/ws/bench/delivery-ledger.ts';

describe('the ws bench delivery ledger', () => {
  it('counts each member once per message, and reports the missing as lost and the repeats as duplicates', () => {
    const ledger = new DeliveryLedger(3);
    const a = ledger.next(0);
    const b = ledger.next(1);
    for (const member of [0, 1, 2]) ledger.received(member, member % 2, a);
    ledger.received(0, 0, b);
    ledger.received(0, 0, b);
    ledger.received(2, 0, b);
    assert.deepEqual(ledger.counts, { sent: 2, expected: 6, delivered: 5, lost: 1, duplicates: 1, errors: 0 });
    assert.equal(ledger.complete, false);
    ledger.received(1, 1, b);
    assert.equal(ledger.complete, true);
    assert.equal(ledger.counts.lost, 0);
  });

  it('ignores texts of another run, probes and sequence numbers it never sent', () => {
    const ledger = new DeliveryLedger(2);
    const other = new DeliveryLedger(2);
    ledger.received(0, 0, other.next(0));
    ledger.received(0, 0, 'probe 0 1');
    ledger.received(0, 0, `${ledger.run} 7 1.000 0`);
    assert.deepEqual(ledger.counts, { sent: 0, expected: 0, delivered: 0, lost: 0, duplicates: 0, errors: 0 });
  });

  it('times every delivery, and apart those from a publisher on another instance', () => {
    const ledger = new DeliveryLedger(2);
    const text = ledger.next(0);
    ledger.received(0, 0, text);
    ledger.received(1, 1, text);
    assert.equal(ledger.result('all', 'all', 1_000, 1).ok, 2);
    assert.equal(ledger.result('cross', 'cross', 1_000, 1).ok, 1);
  });
});

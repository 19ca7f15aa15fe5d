import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SAO_PAULO_CENTRE } from '../../src/systems/fleet/domain/order-created.ts';
import { MemoryDispatchStore, StoreFullError } from '../../src/systems/fleet/store/memory-dispatch-store.ts';

describe('the in-memory DispatchStore', () => {
  it('dispatches a pending order once per event, and says so for the same event again', async () => {
    const store = new MemoryDispatchStore();
    store.add('o-1', SAO_PAULO_CENTRE);
    assert.equal(await store.dispatch('o-1', 'd-1', 'e-1'), 'applied');
    assert.equal(await store.dispatch('o-1', 'd-2', 'e-1'), 'duplicate');
    assert.deepEqual(store.get('o-1'), { id: 'o-1', status: 'DISPATCHED', driverId: 'd-1', pickup: SAO_PAULO_CENTRE });
    assert.equal(await store.dispatch('o-1', 'd-2', 'e-2'), 'refused', 'a dispatched order is not dispatched again');
    assert.equal(store.get('o-1')?.driverId, 'd-1');
  });

  it('follows the state machine: manual dispatch from PENDING only, dispatch from MANUAL_DISPATCH, nothing after CANCELLED', async () => {
    const store = new MemoryDispatchStore();
    store.add('o-1', SAO_PAULO_CENTRE);
    assert.equal(await store.sendToManual('o-1', 'e-1'), 'applied');
    assert.equal(await store.sendToManual('o-1', 'e-2'), 'refused');
    assert.equal(await store.dispatch('o-1', 'd-1', 'e-3'), 'applied');
    store.add('o-2', SAO_PAULO_CENTRE);
    assert.equal(await store.cancel('o-2', 'e-4'), 'applied');
    assert.equal(await store.dispatch('o-2', 'd-1', 'e-5'), 'refused');
    assert.equal(await store.sendToManual('o-2', 'e-6'), 'refused');
    assert.equal(store.get('o-2')?.status, 'CANCELLED');
  });

  it('keeps in its inbox only events that changed an order, as the SQL store does', async () => {
    const store = new MemoryDispatchStore();
    store.add('o-1', SAO_PAULO_CENTRE);
    await store.cancel('o-1', 'e-1');
    assert.equal(await store.dispatch('o-1', 'd-1', 'e-2'), 'refused');
    store.add('o-2', SAO_PAULO_CENTRE);
    assert.equal(await store.dispatch('o-2', 'd-1', 'e-2'), 'applied', 'the refused e-2 left no trace');
    await assert.rejects(store.dispatch('o-2', 'd-1', ''), RangeError);
    await assert.rejects(store.dispatch('o-2', 'd-1', 'x'.repeat(65)), /1 to 64 characters/);
  });

  it('refuses unknown orders and knows their pickup point only for known ones', async () => {
    const store = new MemoryDispatchStore();
    assert.equal(await store.dispatch('ghost', 'd-1', 'e-1'), 'refused');
    assert.equal(await store.pickupOf('ghost'), undefined);
    store.add('o-1', { lat: -23.6, lng: -46.7 });
    assert.deepEqual(await store.pickupOf('o-1'), { lat: -23.6, lng: -46.7 });
  });

  it('is bounded: orders beyond its size are refused, the oldest event ids forgotten', async () => {
    const store = new MemoryDispatchStore({ maxOrders: 3, maxInbox: 2 });
    for (const id of ['o-1', 'o-2', 'o-3']) store.add(id, SAO_PAULO_CENTRE);
    assert.throws(() => store.add('o-4', SAO_PAULO_CENTRE), StoreFullError);
    assert.throws(() => store.add('o-1', SAO_PAULO_CENTRE), /exists already/);
    await store.dispatch('o-1', 'd', 'e-1');
    await store.dispatch('o-2', 'd', 'e-2');
    await store.dispatch('o-3', 'd', 'e-3');
    assert.equal(await store.dispatch('o-3', 'd', 'e-3'), 'duplicate');
    assert.equal(await store.dispatch('o-1', 'd', 'e-1'), 'refused', 'e-1 was forgotten: the order’s state still refuses it');
  });
});

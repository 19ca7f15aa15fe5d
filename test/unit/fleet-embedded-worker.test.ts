import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { createBus } from '../../src/kit/bus/registry.ts';
import { stepFrom } from '../../src/systems/fleet/domain/geo.ts';
import { SAO_PAULO_CENTRE } from '../../src/systems/fleet/domain/order-created.ts';
import { REFERENCE_DRIVERS } from '../../src/systems/fleet/roles/driver-simulator.ts';
import { startEmbeddedWorker } from '../../src/systems/fleet/roles/worker/embedded-worker.ts';
import type { DispatchResult } from '../../src/systems/fleet/roles/worker/order-pipeline.ts';
import { MemoryDispatchStore } from '../../src/systems/fleet/store/memory-dispatch-store.ts';
import { waitFor } from '../helpers/wait.ts';

describe('the worker embedded: memory bus, in-memory index, claims and store', () => {
  it('dispatches orders, once per event, and sends those with no driver near to manual dispatch', async () => {
    const bus = await createBus('memory://');
    const store = new MemoryDispatchStore();
    const results: DispatchResult[] = [];
    const queue = `orders.created.${randomUUID()}`;
    const embedded = await startEmbeddedWorker({ bus, store, queue, backoff: { retries: 1, baseMs: 1, capMs: 5 }, onResult: (r) => results.push(r) });
    try {
      await embedded.index.add(REFERENCE_DRIVERS);
      const send = (id: string, eventId: string, pickup = SAO_PAULO_CENTRE) => {
        if (!store.get(id)) store.add(id, pickup);
        return bus.send(queue, { id, final_price: '1.00', pickup }, { headers: { 'x-event-id': eventId } });
      };
      await send('near', 'e-1');
      await send('near', 'e-1');
      await send('far', 'e-2', stepFrom(SAO_PAULO_CENTRE, 30_000, 0));
      await waitFor(() => results.length === 3, 'three deliveries handled');
      assert.equal(store.get('near')?.driverId, 'Joao-da-Silva');
      assert.equal(store.get('far')?.status, 'MANUAL_DISPATCH');
      assert.deepEqual(results.map((r) => r.outcome).sort(), ['dispatched', 'duplicate', 'manual']);
    } finally {
      await embedded.close();
      await bus.close();
    }
  });
});

import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { EVENT_HEADERS } from '../../src/systems/fleet/domain/order-created.ts';
import { DuplicateOrderError } from '../../src/systems/fleet/store/order-store.ts';
import { migrate } from '../../src/systems/fleet/store/schema.ts';
import { CHECK_VIOLATION, sqlState } from '../../src/systems/fleet/store/sql-database.ts';
import { newOrder, storeFixtures, testSchema } from '../helpers/fleet-fixtures.ts';

const TRACEPARENT = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;
const RETRY = { maxAttempts: 3, baseMs: 60_000, capMs: 600_000 };

for (const fixture of storeFixtures()) {
  describe(`fleet stores on ${fixture.name}`, { skip: fixture.skip }, () => {
    afterEach(() => fixture.cleanup());
    after(() => fixture.close());

    it('writes an order and its OrderCreated outbox row together, carrying the traceparent', async () => {
      const { db, orders } = await fixture.stores();
      await orders.create(newOrder('o-1', { priceCents: 10, taxCents: 20, finalCents: 30, pickup: { lat: -23.6, lng: -46.7 } }), TRACEPARENT);
      const order = await orders.get('o-1');
      assert.equal(order?.status, 'PENDING');
      assert.deepEqual([order?.price, order?.tax, order?.final_price], ['0.10', '0.20', '0.30']);
      assert.deepEqual(order?.pickup, { lat: -23.6, lng: -46.7 });
      const rows = await db.query<Record<string, unknown>>(`SELECT * FROM ${db.schema}.outbox`);
      assert.equal(rows.length, 1);
      const row = rows[0]!;
      assert.equal(row.status, 'PENDING');
      assert.equal(row.aggregate_type, 'Order');
      assert.equal(row.aggregate_id, 'o-1');
      assert.equal(row.event_type, 'OrderCreated');
      assert.equal(row.event_version, 1);
      assert.equal(row.topic, 'orders.created');
      assert.deepEqual(row.payload, { id: 'o-1', final_price: '0.30', pickup: { lat: -23.6, lng: -46.7 } });
      assert.deepEqual(row.tracing_context, { [EVENT_HEADERS.traceparent]: TRACEPARENT });
    });

    it('refuses a duplicate id and writes neither row a second time', async () => {
      const { db, orders } = await fixture.stores();
      await orders.create(newOrder('dup'), TRACEPARENT);
      await assert.rejects(orders.create(newOrder('dup', { priceCents: 1, taxCents: 0, finalCents: 1 }), TRACEPARENT), DuplicateOrderError);
      const [counts] = await db.query<{ orders: number; outbox: number }>(`SELECT (SELECT count(*)::int FROM ${db.schema}.orders) AS orders, (SELECT count(*)::int FROM ${db.schema}.outbox) AS outbox`);
      assert.deepEqual(counts, { orders: 1, outbox: 1 });
      assert.equal((await orders.get('dup'))?.price, '100.00');
    });

    it("keeps the CHECK constraints as the last guard, whatever the code above them does", async () => {
      const { db, orders } = await fixture.stores();
      await orders.create(newOrder('guarded'), TRACEPARENT);
      const refused = async (sql: string) => assert.equal(sqlState(await db.query(sql).then(() => undefined, (err: unknown) => err)), CHECK_VIOLATION, sql);
      await refused(`UPDATE ${db.schema}.orders SET status = 'SHIPPED' WHERE id = 'guarded'`);
      await refused(`UPDATE ${db.schema}.orders SET status = 'DISPATCHED' WHERE id = 'guarded'`);
      await refused(`UPDATE ${db.schema}.orders SET final_price = 1 WHERE id = 'guarded'`);
      await refused(`UPDATE ${db.schema}.orders SET price = 0, final_price = tax WHERE id = 'guarded'`);
      await refused(`UPDATE ${db.schema}.orders SET pickup_lat = 91 WHERE id = 'guarded'`);
      await refused(`UPDATE ${db.schema}.outbox SET status = 'SENT'`);
      assert.equal((await orders.get('guarded'))?.status, 'PENDING');
    });

    it('applies a transition only from the states that allow it, and says which state refused it', async () => {
      const { orders, dispatch } = await fixture.stores();
      await orders.create(newOrder('t-1'), TRACEPARENT);
      assert.deepEqual(await orders.apply('t-1', 'deliver'), { outcome: 'refused', current: 'PENDING' });
      assert.equal(await dispatch.dispatch('t-1', 'driver-7', 'event-1'), 'applied');
      const delivered = await orders.apply('t-1', 'deliver');
      assert.equal(delivered.outcome, 'applied');
      assert.equal(delivered.outcome === 'applied' && delivered.order.status, 'DELIVERED');
      assert.equal(delivered.outcome === 'applied' && delivered.order.driver_id, 'driver-7');
      assert.deepEqual(await orders.apply('t-1', 'cancel'), { outcome: 'refused', current: 'DELIVERED' });
      assert.deepEqual(await orders.apply('nope', 'cancel'), { outcome: 'missing' });
    });

    it('records each event once in the inbox: a redelivery is a duplicate, a refused write leaves no entry', async () => {
      const { db, orders, dispatch } = await fixture.stores();
      await orders.create(newOrder('d-1', { pickup: { lat: 1.5, lng: -2.25 } }), TRACEPARENT);
      assert.deepEqual(await dispatch.pickupOf('d-1'), { lat: 1.5, lng: -2.25 });
      assert.equal(await dispatch.pickupOf('missing'), undefined);
      assert.equal(await dispatch.sendToManual('d-1', 'event-a'), 'applied');
      assert.equal(await dispatch.sendToManual('d-1', 'event-a'), 'duplicate');
      assert.equal(await dispatch.sendToManual('d-1', 'event-b'), 'refused');
      assert.equal(await dispatch.dispatch('d-1', 'driver-1', 'event-a'), 'duplicate');
      assert.equal(await dispatch.dispatch('d-1', 'driver-1', 'event-c'), 'applied');
      assert.equal(await dispatch.dispatch('no-such-order', 'driver-1', 'event-d'), 'refused');
      const inbox = await db.query<{ event_id: string }>(`SELECT event_id FROM ${db.schema}.processed_events ORDER BY event_id`);
      assert.deepEqual(inbox.map((row) => row.event_id), ['event-a', 'event-c']);
      assert.equal((await orders.get('d-1'))?.driver_id, 'driver-1');
    });

    it('settles a cancel racing a dispatch as one of the two serial orders, 100 times', async () => {
      const { orders, dispatch } = await fixture.stores();
      const seen = { cancelFirst: 0, dispatchFirst: 0 };
      for (let i = 0; i < 100; i++) {
        const id = `race-${i}`;
        await orders.create(newOrder(id), TRACEPARENT);
        const [cancelled, dispatched] = await Promise.all([orders.apply(id, 'cancel'), dispatch.dispatch(id, 'driver-1', `event-${i}`)]);
        const final = await orders.get(id);
        // A cancel is allowed from PENDING and from DISPATCHED, so it always applies; the dispatch applies only if it came first.
        assert.equal(cancelled.outcome, 'applied');
        assert.equal(final?.status, 'CANCELLED');
        if (dispatched === 'applied') {
          seen.dispatchFirst++;
          assert.equal(final?.driver_id, 'driver-1');
        } else {
          seen.cancelFirst++;
          assert.equal(dispatched, 'refused');
          assert.equal(final?.driver_id, null);
        }
      }
      assert.equal(seen.cancelFirst + seen.dispatchFirst, 100);
    });

    it('lets exactly one of a cancel and a delivery racing on a dispatched order win, 100 times', async () => {
      const { orders, dispatch } = await fixture.stores();
      for (let i = 0; i < 100; i++) {
        const id = `end-${i}`;
        await orders.create(newOrder(id), TRACEPARENT);
        assert.equal(await dispatch.dispatch(id, 'driver-1', `event-${i}`), 'applied');
        const results = await Promise.all([orders.apply(id, 'cancel'), orders.apply(id, 'deliver')]);
        const winners = results.filter((result) => result.outcome === 'applied');
        assert.equal(winners.length, 1, JSON.stringify(results));
        const loser = results.find((result) => result.outcome === 'refused');
        const final = (await orders.get(id))?.status;
        assert.deepEqual(loser, { outcome: 'refused', current: final });
      }
    });

    it('lets exactly one of two dispatches (two events, two drivers) win, 100 times', async () => {
      const { orders, dispatch } = await fixture.stores();
      for (let i = 0; i < 100; i++) {
        const id = `two-${i}`;
        await orders.create(newOrder(id), TRACEPARENT);
        const results = await Promise.all([dispatch.dispatch(id, 'driver-a', `a-${i}`), dispatch.dispatch(id, 'driver-b', `b-${i}`)]);
        assert.deepEqual([...results].sort(), ['applied', 'refused']);
        assert.equal((await orders.get(id))?.driver_id, results[0] === 'applied' ? 'driver-a' : 'driver-b');
      }
    });

    it('claims each pending row once, oldest first, across concurrent claimers', async () => {
      const { orders, outbox } = await fixture.stores();
      for (let i = 0; i < 30; i++) await orders.create(newOrder(`c-${String(i).padStart(2, '0')}`), TRACEPARENT);
      const batches = await Promise.all([outbox.claim(10), outbox.claim(10), outbox.claim(10), outbox.claim(10)]);
      const ids = batches.flat().map((event) => event.id);
      assert.equal(ids.length, 30);
      assert.equal(new Set(ids).size, 30);
      for (const batch of batches) assert.deepEqual(batch.map((e) => e.createdAt.getTime()), batch.map((e) => e.createdAt.getTime()).sort((a, b) => a - b));
      assert.deepEqual(await outbox.counts(), { PENDING: 0, PROCESSING: 30, PUBLISHED: 0, FAILED: 0 });
      assert.deepEqual(await outbox.claim(10), []);
      await outbox.markPublished(ids);
      assert.deepEqual(await outbox.counts(), { PENDING: 0, PROCESSING: 0, PUBLISHED: 30, FAILED: 0 });
    });

    it('puts a failed publish back to PENDING after a back-off, and gives it up as FAILED after the last attempt', async () => {
      const { db, orders, outbox } = await fixture.stores();
      await orders.create(newOrder('f-1'), TRACEPARENT);
      let [event] = await outbox.claim(10);
      assert.equal(await outbox.markFailed(event!.id, 'broker said no', RETRY), 'PENDING');
      assert.deepEqual(await outbox.claim(10), [], 'not due again before its back-off');
      const due = () => db.query(`UPDATE ${db.schema}.outbox SET next_attempt_at = now()`);
      await due();
      [event] = await outbox.claim(10);
      assert.equal(event?.retryCount, 1);
      assert.equal(await outbox.markFailed(event!.id, 'broker said no again', RETRY), 'PENDING');
      await due();
      [event] = await outbox.claim(10);
      assert.equal(await outbox.markFailed(event!.id, 'the last straw', RETRY), 'FAILED');
      const [row] = await db.query<{ status: string; retry_count: number; error_msg: string }>(`SELECT status, retry_count, error_msg FROM ${db.schema}.outbox`);
      assert.deepEqual(row, { status: 'FAILED', retry_count: 3, error_msg: 'the last straw' });
      await due();
      assert.deepEqual(await outbox.claim(10), []);
    });

    it("the janitor's queries reset stuck rows and delete old finished ones, leaving the rest", async () => {
      const { db, orders, outbox } = await fixture.stores();
      for (const id of ['j-1', 'j-2', 'j-3', 'j-4']) await orders.create(newOrder(id), TRACEPARENT);
      const [a, b, c] = await outbox.claim(3);
      await outbox.markPublished([a!.id]);
      await outbox.markFailed(b!.id, 'gone', { ...RETRY, maxAttempts: 1 });
      assert.equal(await outbox.resetStuck(60_000), 0, 'nothing is stuck for a minute yet');
      await db.query(`UPDATE ${db.schema}.outbox SET updated_at = now() - interval '2 minutes' WHERE id = $1`, [c!.id]);
      assert.equal(await outbox.resetStuck(60_000), 1);
      assert.equal(await outbox.deleteOld(60_000), 0, 'nothing finished is a minute old yet');
      await db.query(`UPDATE ${db.schema}.outbox SET created_at = now() - interval '2 minutes'`);
      assert.equal(await outbox.deleteOld(60_000), 2);
      assert.deepEqual(await outbox.counts(), { PENDING: 2, PROCESSING: 0, PUBLISHED: 0, FAILED: 0 });
    });

    it('wakes a listener when an order is created', async () => {
      const { orders, outbox } = await fixture.stores();
      let woke = 0;
      const stop = await outbox.onInsert(() => woke++);
      await orders.create(newOrder('n-1'), TRACEPARENT);
      for (let i = 0; i < 100 && woke === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      await stop();
      assert.ok(woke >= 1);
    });

    it('migrates idempotently, and two processes starting at once take turns', async () => {
      const schema = testSchema('migrate');
      const [first, second] = await Promise.all([fixture.stores(schema), fixture.stores(schema)]);
      assert.equal(await migrate(first.db), 0);
      assert.equal(await migrate(second.db), 0);
      await first.orders.create(newOrder('m-1'), TRACEPARENT);
      assert.equal((await second.orders.get('m-1'))?.id, 'm-1');
    });
  });
}

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { configure, http, paymentBody, startPaymentsFixture } from '../helpers/payments-fixture.ts';
import { sleep, waitFor } from '../helpers/wait.ts';

type Fixture = Awaited<ReturnType<typeof startPaymentsFixture>>;

async function summaries(fx: Fixture) {
  const backend = (await http('GET', `${fx.url}/payments-summary`)).json();
  return {
    backend,
    processors: { default: fx.defaultProcessor.summary(), fallback: fx.fallbackProcessor.summary() },
  };
}

async function settled(fx: Fixture, total: number): Promise<void> {
  await waitFor(async () => {
    const { backend } = await summaries(fx);
    return backend.default.totalRequests + backend.fallback.totalRequests === total;
  }, `all ${total} payments recorded`, 20_000);
}

describe('payments backend against the processor emulators', { timeout: 60_000 }, () => {
  let fx: Fixture;
  before(async () => {
    fx = await startPaymentsFixture();
  });
  after(() => fx.close());

  it('answers 202 at once, then records each payment where the processor stored it, with the same requestedAt', async () => {
    await configure(fx.defaultProcessor, { delay: 300 });
    await sleep(300); // the next health round reports the delay
    const reply = await http('POST', `${fx.url}/payments`, paymentBody(19.9));
    assert.equal(reply.status, 202);
    // The emulator stores a payment once its delay is over: so far, neither has.
    const stored = fx.defaultProcessor.summary().totalRequests + fx.fallbackProcessor.summary().totalRequests;
    assert.equal(stored, 0, 'the answer does not wait for the processor');
    await settled(fx, 1);
    const { backend, processors } = await summaries(fx);
    assert.deepEqual(backend.default, { totalRequests: 1, totalAmount: 19.9 });
    assert.deepEqual(processors.default, { totalRequests: 1, totalAmountCents: 1990 });
    await configure(fx.defaultProcessor, { delay: 0 });
  });

  it('counts the same window on both sides: bounds are inclusive, down to the millisecond', async () => {
    await http('POST', `${fx.url}/purge-payments`);
    await http('POST', `${fx.defaultProcessor.url}/admin/purge-payments`, undefined, { 'x-rinha-token': '123' });
    for (let i = 0; i < 20; i++) assert.equal((await http('POST', `${fx.url}/payments`, paymentBody(1.5))).status, 202);
    await settled(fx, 20);
    const stored = (await http('GET', `${fx.url}/payments-summary`)).json();
    assert.equal(stored.default.totalRequests, 20);
    // Every requestedAt the processor holds must fall in the same window of ours.
    const all = fx.defaultProcessor.summary();
    assert.equal(all.totalRequests, 20);
    const now = Date.now();
    const window = (await http('GET', `${fx.url}/payments-summary?from=${new Date(now - 60_000).toISOString()}&to=${new Date(now).toISOString()}`)).json();
    assert.deepEqual(window.default, { totalRequests: 20, totalAmount: 30 });
    const empty = (await http('GET', `${fx.url}/payments-summary?from=${new Date(now + 1).toISOString()}&to=${new Date(now + 60_000).toISOString()}`)).json();
    assert.equal(empty.default.totalRequests, 0);
  });

  it('refuses bad input with a 4xx that says why, and a duplicate correlationId with 409', async () => {
    const id = randomUUID();
    assert.equal((await http('POST', `${fx.url}/payments`, paymentBody(10, id))).status, 202);
    const dup = await http('POST', `${fx.url}/payments`, paymentBody(10, id));
    assert.equal(dup.status, 409);
    assert.match(dup.json().error, /already accepted/);
    const cases: Array<[string, number, RegExp]> = [
      ['{not json', 400, /not valid JSON/],
      ['{"amount": 10}', 422, /correlationId is missing/],
      [`{"correlationId": "nope", "amount": 10}`, 422, /UUID/],
      [`{"correlationId": "${randomUUID()}", "amount": -3}`, 422, /positive/],
      [`{"correlationId": "${randomUUID()}", "amount": "10"}`, 422, /positive/],
    ];
    for (const [body, status, reason] of cases) {
      const reply = await http('POST', `${fx.url}/payments`, body);
      assert.equal(reply.status, status, body);
      assert.match(reply.json().error, reason, body);
    }
    const huge = await http('POST', `${fx.url}/payments`, JSON.stringify({ correlationId: randomUUID(), amount: 1, pad: 'x'.repeat(20_000) }));
    assert.equal(huge.status, 413);
    assert.equal((await http('GET', `${fx.url}/payments-summary?from=yesterday`)).status, 400);
    assert.equal((await http('GET', `${fx.url}/nowhere`)).status, 404);
    assert.equal((await http('GET', `${fx.url}/health`)).status, 200, 'still serving');
  });

  it('moves to the fallback while the default fails, and back when it recovers, losing nothing', async () => {
    await http('POST', `${fx.url}/purge-payments`);
    await configure(fx.defaultProcessor, { failure: true });
    for (let i = 0; i < 30; i++) assert.equal((await http('POST', `${fx.url}/payments`, paymentBody(2))).status, 202);
    await settled(fx, 30);
    let { backend } = await summaries(fx);
    assert.equal(backend.fallback.totalRequests + backend.default.totalRequests, 30);
    assert.ok(backend.fallback.totalRequests >= 27, `the fallback took the payments the failing default refused (${backend.fallback.totalRequests})`);
    await configure(fx.defaultProcessor, { failure: false });
    await sleep(500);
    for (let i = 0; i < 10; i++) await http('POST', `${fx.url}/payments`, paymentBody(2));
    await settled(fx, 40);
    ({ backend } = await summaries(fx));
    assert.ok(backend.default.totalRequests >= 10, 'the default is used again once healthy');
  });

  it('holds payments while both processors fail, and delivers every one once one recovers', async () => {
    await http('POST', `${fx.url}/purge-payments`);
    const before = { d: fx.defaultProcessor.summary().totalRequests, f: fx.fallbackProcessor.summary().totalRequests };
    await configure(fx.defaultProcessor, { failure: true });
    await configure(fx.fallbackProcessor, { failure: true });
    await sleep(300);
    for (let i = 0; i < 25; i++) assert.equal((await http('POST', `${fx.url}/payments`, paymentBody(3))).status, 202);
    await sleep(1_000);
    assert.equal((await summaries(fx)).backend.default.totalRequests, 0, 'nothing is recorded while both fail');
    await configure(fx.fallbackProcessor, { failure: false });
    await settled(fx, 25);
    const after = { d: fx.defaultProcessor.summary().totalRequests, f: fx.fallbackProcessor.summary().totalRequests };
    assert.equal(after.d - before.d + (after.f - before.f), 25, 'each payment reached a processor exactly once');
    await configure(fx.defaultProcessor, { failure: false });
  });

  it('never sends to a processor slower than the consistency window allows', async () => {
    await http('POST', `${fx.url}/purge-payments`);
    await configure(fx.defaultProcessor, { delay: 2_000 });
    await sleep(400);
    const before = fx.defaultProcessor.summary().totalRequests;
    for (let i = 0; i < 10; i++) await http('POST', `${fx.url}/payments`, paymentBody(4));
    await settled(fx, 10);
    const { backend } = await summaries(fx);
    assert.equal(backend.fallback.totalRequests, 10);
    await sleep(2_200);
    assert.equal(fx.defaultProcessor.summary().totalRequests, before, 'the slow default got none');
    await configure(fx.defaultProcessor, { delay: 0 });
  });

  it('exposes its queue and in-flight gauges on /metrics', async () => {
    const text = (await http('GET', `${fx.url}/metrics`)).body;
    for (const name of ['payments_queue_depth', 'payments_queue_capacity', 'payments_in_flight{processor="default"}', 'payments_accepted_total']) assert.ok(text.includes(name), name);
  });
});

describe('payments backend against a processor whose limiter is full', { timeout: 60_000 }, () => {
  it('takes 429 as "later": every payment is still stored once, and the default gets what it can', async () => {
    const fx = await startPaymentsFixture({ defaultLimits: { maxActive: 2, maxQueued: 0 } });
    try {
      await configure(fx.defaultProcessor, { delay: 50 });
      for (let i = 0; i < 60; i++) assert.equal((await http('POST', `${fx.url}/payments`, paymentBody(1))).status, 202);
      await settled(fx, 60);
      const stored = fx.defaultProcessor.summary().totalRequests + fx.fallbackProcessor.summary().totalRequests;
      assert.equal(stored, 60, 'each payment stored exactly once');
      assert.ok(fx.defaultProcessor.summary().totalRequests > 0);
      const retried = (await http('GET', `${fx.url}/metrics`)).body.match(/payments_retried_total\{processor="default",outcome="busy"\} (\d+)/);
      assert.ok(retried && Number(retried[1]) > 0, 'the limiter did refuse some sends');
    } finally {
      await fx.close();
    }
  });
});

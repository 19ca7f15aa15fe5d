import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromCents, toCents } from '../../src/systems/payments/domain/money.ts';
import { PaymentRejection, parsePayment } from '../../src/systems/payments/domain/payment.ts';
import { type ProcessorView, chooseProcessor } from '../../src/systems/payments/domain/routing.ts';
import { emptySummary, parseTimeRange, summaryJson } from '../../src/systems/payments/domain/summary.ts';

const ID = '4a7901b8-7d26-4d9d-aa19-4dc1c7cf60b3';

function rejection(fn: () => unknown): PaymentRejection {
  try {
    fn();
  } catch (err) {
    if (err instanceof PaymentRejection) return err;
    throw err;
  }
  throw new Error('expected a PaymentRejection');
}

describe('money', () => {
  it('keeps amounts in integer cents without float drift', () => {
    assert.equal(toCents(19.9), 1990);
    assert.equal(toCents(20.05), 2005);
    assert.equal(toCents(0.01), 1);
    assert.equal(toCents(0.1 + 0.2), 30);
    assert.equal(fromCents(1990 * 3), 59.7);
  });

  it('refuses zero, negatives, sub-cent amounts and non-numbers', () => {
    for (const bad of [0, -1, 0.004, Number.NaN, Number.POSITIVE_INFINITY, 1e15]) assert.equal(toCents(bad), undefined, String(bad));
  });
});

describe('parsePayment', () => {
  it('reads the contract body', () => {
    assert.deepEqual(parsePayment(`{"correlationId":"${ID}","amount":19.90}`), { correlationId: ID, amountCents: 1990 });
  });

  it('answers 400 for a body that is not a JSON object', () => {
    assert.equal(rejection(() => parsePayment('{"correlationId":')).status, 400);
    assert.equal(rejection(() => parsePayment('[1,2]')).status, 400);
    assert.equal(rejection(() => parsePayment('null')).status, 400);
  });

  it('answers 422 naming the field for missing or wrong fields', () => {
    assert.match(rejection(() => parsePayment('{"amount":1}')).message, /correlationId is missing/);
    assert.match(rejection(() => parsePayment('{"correlationId":"abc","amount":1}')).message, /must be a UUID/);
    assert.match(rejection(() => parsePayment(`{"correlationId":"${ID}"}`)).message, /amount is missing/);
    for (const amount of ['"19.90"', '0', '-5', 'true']) {
      const err = rejection(() => parsePayment(`{"correlationId":"${ID}","amount":${amount}}`));
      assert.equal(err.status, 422, amount);
      assert.match(err.message, /positive number/);
    }
  });

  it('refuses with 422 an amount with more than two decimals, which would be rounded and charged otherwise', () => {
    for (const amount of ['0.005', '19.999', '1.001']) {
      const err = rejection(() => parsePayment(`{"correlationId":"${ID}","amount":${amount}}`));
      assert.equal(err.status, 422, amount);
      assert.match(err.message, /more than two decimals/, amount);
    }
    assert.equal(parsePayment(`{"correlationId":"${ID}","amount":19.99}`).amountCents, 1999);
    assert.equal(parsePayment(`{"correlationId":"${ID}","amount":0.07}`).amountCents, 7);
  });

  it('refuses a too large amount saying what the largest is', () => {
    for (const amount of ['1e15', '1e300', '1000000000.01']) {
      const err = rejection(() => parsePayment(`{"correlationId":"${ID}","amount":${amount}}`));
      assert.equal(err.status, 422, amount);
      assert.match(err.message, /at most 1000000000/, amount);
    }
    assert.equal(parsePayment(`{"correlationId":"${ID}","amount":1000000000}`).amountCents, 100_000_000_000);
  });
});

describe('parseTimeRange', () => {
  it('reads inclusive ISO bounds, and open ones when absent', () => {
    assert.deepEqual(parseTimeRange('2025-07-10T12:34:56.000Z', '2025-07-10T12:35:00.000Z'), { fromMs: Date.parse('2025-07-10T12:34:56.000Z'), toMs: Date.parse('2025-07-10T12:35:00.000Z') });
    assert.deepEqual(parseTimeRange(null, null), { fromMs: Number.NEGATIVE_INFINITY, toMs: Number.POSITIVE_INFINITY });
    assert.equal(parseTimeRange('2025-07-10T12:34:56', null).fromMs, Date.parse('2025-07-10T12:34:56Z'), 'no zone means UTC');
  });

  it('answers 400 for a bound that is not an instant, or a reversed range', () => {
    assert.equal(rejection(() => parseTimeRange('yesterday', null)).status, 400);
    assert.equal(rejection(() => parseTimeRange('2025-07-10T12:00:00Z', '2025-07-10T11:00:00Z')).status, 400);
  });
});

describe('summaryJson', () => {
  it('writes the contract shape with decimal amounts', () => {
    const summary = emptySummary();
    summary.default = { totalRequests: 3, totalAmountCents: 5970 };
    assert.deepEqual(JSON.parse(summaryJson(summary)), { default: { totalRequests: 3, totalAmount: 59.7 }, fallback: { totalRequests: 0, totalAmount: 0 } });
  });
});

describe('chooseProcessor', () => {
  const policy = { maxLatencyMs: 1200, spillAfterMs: 1000 };
  const up = (over: Partial<ProcessorView> = {}): ProcessorView => ({ failing: false, latencyMs: 0, inFlight: 0, maxInFlight: 10, ...over });

  it('prefers the default, which is never dearer', () => {
    assert.equal(chooseProcessor({ default: up({ latencyMs: 900 }), fallback: up() }, 0, policy), 'default');
  });

  it('uses the fallback when the default fails or is too slow for the consistency window', () => {
    assert.equal(chooseProcessor({ default: up({ failing: true }), fallback: up() }, 0, policy), 'fallback');
    assert.equal(chooseProcessor({ default: up({ latencyMs: 2000 }), fallback: up() }, 0, policy), 'fallback');
  });

  it('holds the payment when neither can take it in time', () => {
    assert.equal(chooseProcessor({ default: up({ failing: true }), fallback: up({ latencyMs: 5000 }) }, 0, policy), undefined);
    assert.equal(chooseProcessor({ default: up({ failing: true }), fallback: up({ inFlight: 10 }) }, 0, policy), undefined);
  });

  it('spills to the fallback only once a payment has waited for a saturated default long enough', () => {
    const views = { default: up({ inFlight: 10 }), fallback: up() };
    assert.equal(chooseProcessor(views, 999, policy), undefined);
    assert.equal(chooseProcessor(views, 1000, policy), 'fallback');
  });
});

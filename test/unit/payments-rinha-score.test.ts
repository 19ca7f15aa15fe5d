import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AdminSummary, bigMinus, bigPlus, bigTimes, checkInconsistencies, rinhaScore, round2, teardownTotals } from '../../src/systems/payments/bench/rinha-score.ts';

const admin = (totalRequests: number, totalAmount: number, feePerTransaction: number): AdminSummary => ({
  totalRequests,
  totalAmount,
  totalFee: totalAmount * feePerTransaction,
  feePerTransaction,
});

describe('the Rinha score (handleSummary)', () => {
  it("reproduces the final's winner: (1 816 349.55 − 149 788.5375) × 1.17 = 1 949 876.384625", () => {
    // ricassiocosta-node's final-results.json: 52 945 default payments, 37 646 fallback, fees 7 % and 10 %.
    const totals = teardownTotals('processors', { default: admin(52_945, 1_061_547.25, 0.07), fallback: admin(37_646, 754_802.3, 0.1) });
    assert.equal(totals.default.totalFee, 74_308.3075);
    assert.equal(totals.fallback.totalFee, 75_480.23);
    assert.equal(totals.gross, 1_816_349.55);
    assert.equal(totals.fees, 149_788.5375);
    const score = rinhaScore({ p99Ms: 2.5512, inconsistencies: 0, gross: totals.gross, fees: totals.fees, succeeded: 90_591, recorded: 90_591 });
    assert.equal(score.p99, 2.55);
    assert.equal(score.bonus, 0.17);
    assert.equal(score.fine, 0);
    assert.equal(score.liquid, 1_666_561.0125);
    assert.equal(score.score, 1_949_876.384625);
    assert.equal(score.lag, 0);
    assert.equal(score.caixaDois, false);
  });

  it('gives 2 % of bonus per ms under 11 ms, rounded to whole percents, and never a penalty', () => {
    const bonus = (p99Ms: number) => rinhaScore({ p99Ms, inconsistencies: 0, gross: 100, fees: 0, succeeded: 0, recorded: 0 }).bonus;
    assert.equal(bonus(10), 0.02);
    assert.equal(bonus(5), 0.12);
    assert.equal(bonus(1), 0.2);
    assert.equal(bonus(2.09), 0.18); // (11 − 2.09) × 0.02 = 0.1782
    assert.equal(bonus(3.46), 0.15); // 0.1508
    assert.equal(bonus(11), 0);
    assert.equal(bonus(250), 0);
  });

  it('fines 35 % for any inconsistency at all', () => {
    const clean = rinhaScore({ p99Ms: 6, inconsistencies: 0, gross: 1_000, fees: 100, succeeded: 50, recorded: 50 });
    const fined = rinhaScore({ p99Ms: 6, inconsistencies: 1, gross: 1_000, fees: 100, succeeded: 50, recorded: 50 });
    assert.equal(clean.score, 990); // 900 × 1.10
    assert.equal(fined.fine, 0.35);
    assert.equal(fined.fineAmount, 315);
    assert.equal(fined.score, 675); // 900 + 90 − 315
  });

  it('counts lost payments as positive lag and more recorded than succeeded as caixa dois', () => {
    const lost = rinhaScore({ p99Ms: 2, inconsistencies: 0, gross: 1, fees: 0, succeeded: 90_612, recorded: 90_532 });
    assert.equal(lost.lag, 80);
    assert.equal(lost.caixaDois, false);
    const slush = rinhaScore({ p99Ms: 2, inconsistencies: 0, gross: 1, fees: 0, succeeded: 100, recorded: 101 });
    assert.equal(slush.lag, -1);
    assert.equal(slush.caixaDois, true);
  });

  it("rounds p99 as big.js does: half away from zero on the printed decimal", () => {
    assert.equal(round2(2.555), 2.56); // Math.round(2.555 * 100) / 100 gives 2.55
    assert.equal(round2(2.5549999999999997), 2.55);
    assert.equal(round2(1.005), 1.01);
    assert.equal(round2(-0.005), -0.01);
    assert.equal(round2(3.1), 3.1);
    assert.equal(round2(1e-7), 0);
  });

  it('adds and multiplies money exactly, as big.js does', () => {
    assert.equal(bigPlus(0.1, 0.2), 0.3);
    assert.equal(bigMinus(0.3, 0.1), 0.2);
    assert.equal(bigTimes(0.07, 1_124_043.1), 78_683.017);
    assert.equal(bigTimes(1e21, 2), 2e21);
  });
});

describe('the teardown and the checks', () => {
  it('the preview bills the backend’s own amounts at each processor’s fee', () => {
    const backend = { default: { totalRequests: 100, totalAmount: 1_990 }, fallback: { totalRequests: 10, totalAmount: 199 } };
    const totals = teardownTotals('backend', { default: admin(90, 1_791, 0.05), fallback: admin(30, 597, 0.15) }, backend);
    assert.deepEqual(totals.default, { totalRequests: 100, totalAmount: 1_990, totalFee: 99.5 });
    assert.deepEqual(totals.fallback, { totalRequests: 10, totalAmount: 199, totalFee: 29.85 });
    assert.equal(totals.gross, 2_189);
    assert.equal(totals.fees, 129.35);
  });

  it('the preview sums the differences, so a payment filed under the wrong processor cancels out; the final does not', () => {
    const backend = { default: { totalRequests: 10, totalAmount: 0 }, fallback: { totalRequests: 5, totalAmount: 0 } };
    const processors = { default: admin(8, 0, 0.05), fallback: admin(7, 0, 0.15) };
    assert.equal(checkInconsistencies('sum-of-differences', backend, processors), 0);
    assert.equal(checkInconsistencies('per-processor', backend, processors), 4);
    const missing = { default: admin(9, 0, 0.05), fallback: admin(5, 0, 0.15) };
    assert.equal(checkInconsistencies('sum-of-differences', backend, missing), 1);
    assert.equal(checkInconsistencies('per-processor', backend, missing), 1);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FINAL_SCRIPT, PREVIEW_SCRIPT, compressScript, fitScript, vuStartMs } from '../../src/systems/payments/bench/rinha-scripts.ts';

const starts = (stages: { startMs: number }[]) => stages.map((s) => s.startMs);

describe('the official scripts', () => {
  it('hold the stage tables with their start times', () => {
    assert.deepEqual(starts(PREVIEW_SCRIPT.stages), [1_000, 10_000, 20_000, 30_000, 40_000, 50_000]);
    assert.deepEqual(starts(FINAL_SCRIPT.stages), [1_000, 30_000, 60_000, 90_000, 120_000, 150_000, 180_000, 210_000, 240_000, 270_000]);
    // both processors down in the preview at 30 s; the final's last stage keeps default slow but up
    assert.deepEqual(PREVIEW_SCRIPT.stages[3], { startMs: 30_000, default: { delayMs: 2000, failing: true }, fallback: { delayMs: 1000, failing: true } });
    assert.deepEqual(FINAL_SCRIPT.stages[9], { startMs: 270_000, default: { delayMs: 2000, failing: false }, fallback: { delayMs: 0, failing: false } });
    assert.equal(PREVIEW_SCRIPT.check.toAgoMs, 1_500);
    assert.equal(FINAL_SCRIPT.check.toAgoMs, 2_000);
  });
});

describe('compressing a script in time', () => {
  it('scales the duration, the stage start times and the checker sleep, and nothing the system under test sees', () => {
    const quick = compressScript(FINAL_SCRIPT, 20_000 / 300_000);
    assert.equal(quick.durationMs, 20_000);
    assert.deepEqual(
      starts(quick.stages).map((ms) => Math.round(ms)),
      [67, 2_000, 4_000, 6_000, 8_000, 10_000, 12_000, 14_000, 16_000, 18_000],
    );
    assert.ok(Math.abs(quick.check.sleepMs - 666.667) < 0.001);
    assert.equal(quick.check.fromAgoMs, 15_000);
    assert.equal(quick.check.toAgoMs, 2_000);
    assert.equal(quick.iterationSleepMs, 1_000);
    assert.equal(quick.requestTimeoutMs, 1_500);
    assert.equal(quick.teardown.windowMs, 360_000);
    assert.deepEqual(quick.stages[3]!.default, { delayMs: 2000, failing: true });
    assert.equal(FINAL_SCRIPT.durationMs, 300_000, 'the original script is untouched');
    assert.throws(() => compressScript(FINAL_SCRIPT, 0), /above 0/);
  });

  it('fits a script to a CI profile: fewer VUs, shorter run', () => {
    const ci = fitScript(PREVIEW_SCRIPT, { vus: 100, durationMs: 20_000 });
    assert.equal(ci.maxVus, 100);
    assert.equal(ci.durationMs, 20_000);
    assert.equal(ci.amount, 19.9);
    assert.ok(Math.abs(ci.stages[5]!.startMs - 50_000 / 3) < 1e-9);
    assert.deepEqual(fitScript(FINAL_SCRIPT), FINAL_SCRIPT);
    assert.equal(fitScript(FINAL_SCRIPT, { vus: 10 }).durationMs, 300_000);
    assert.throws(() => fitScript(FINAL_SCRIPT, { vus: 0 }), /whole number/);
    assert.throws(() => fitScript(FINAL_SCRIPT, { vus: 2.5 }), /whole number/);
  });
});

describe("k6's ramping-vus schedule (1 → max over the duration)", () => {
  it('starts VU 1 at once and VU max at the very end, evenly between', () => {
    assert.equal(vuStartMs(1, 603, 300_000), 0);
    assert.equal(vuStartMs(603, 603, 300_000), 300_000);
    assert.ok(Math.abs(vuStartMs(2, 603, 300_000) - 300_000 / 602) < 1e-9);
    assert.equal(vuStartMs(302, 603, 300_000), 150_000);
    assert.equal(vuStartMs(1, 1, 60_000), 0);
  });

  it('has 1 + ⌊(max − 1)·t/D⌋ VUs running at any time t', () => {
    const max = 550;
    const duration = 60_000;
    const begun = (t: number) => Array.from({ length: max }, (_, i) => vuStartMs(i + 1, max, duration)).filter((start) => start <= t).length;
    for (const t of [0, 1, 109, 110, 12_345, 30_000, 59_999]) {
      assert.equal(begun(t), 1 + Math.floor(((max - 1) * t) / duration), `at ${t} ms`);
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runClosed } from '../../src/kit/loadgen/index.ts';
import { targetAt } from '../../src/kit/loadgen/stages.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('loadgen closed model', () => {
  it('ramps VUs linearly between stage targets', () => {
    const stages = [
      { durationMs: 1_000, target: 10 },
      { durationMs: 1_000, target: 10 },
      { durationMs: 500, target: 0 },
    ];
    assert.equal(targetAt(stages, 0, 0), 0);
    assert.equal(targetAt(stages, 0, 500), 5);
    assert.equal(targetAt(stages, 0, 1_500), 10);
    assert.equal(targetAt(stages, 0, 2_250), 5);
    assert.equal(targetAt(stages, 0, 9_999), 0);
    assert.equal(targetAt([{ durationMs: 1_000, target: 0 }], 4, 250), 3);
  });

  it('never runs more VUs than the target, reaches it, and stops VUs above a falling target', async () => {
    let running = 0;
    let peak = 0;
    const late: number[] = [];
    const started = performance.now();
    const result = await runClosed({
      name: 'ramp',
      stages: [
        { durationMs: 300, target: 5 },
        { durationMs: 300, target: 5 },
        { durationMs: 300, target: 0 },
      ],
      progress: false,
      task: async () => {
        running++;
        peak = Math.max(peak, running);
        if (performance.now() - started > 850) late.push(running);
        await sleep(10);
        running--;
      },
    });
    assert.equal(result.model, 'closed');
    assert.equal(result.vus, 5);
    assert.equal(result.failed, 0);
    assert.ok(peak <= 5 && peak >= 4, `peak concurrency ${peak}`);
    assert.ok(late.every((n) => n <= 3), `near the end of the ramp-down: ${late.join(',')}`);
  });

  it('pauses each VU for its think time between iterations', async () => {
    const gaps = (starts: number[][]) => starts.flatMap((times) => times.slice(1).map((t, i) => t - times[i]!));
    const fixedStarts: number[][] = [[], []];
    const fixed = await runClosed({ name: 'think', vus: 2, durationMs: 500, thinkTimeMs: 50, progress: false, task: async ({ vu }) => void fixedStarts[vu]!.push(performance.now()) });
    // At most 2 VUs × (500 / 50) iterations, each VU's starts at least a think time apart (a timer never fires early).
    assert.ok(fixed.count <= 22, `count ${fixed.count}`);
    assert.ok(fixedStarts.every((times) => times.length >= 2), 'each VU went round more than once');
    assert.ok(gaps(fixedStarts).every((gap) => gap >= 49), `gaps ${gaps(fixedStarts).map((g) => g.toFixed(1)).join(',')}`);
    let drawn = 0;
    const randomStarts: number[][] = [[]];
    const random = await runClosed({ name: 'think-fn', vus: 1, durationMs: 300, thinkTimeMs: () => (drawn++, 25), progress: false, task: async () => void randomStarts[0]!.push(performance.now()) });
    assert.ok(random.count <= 13, `count ${random.count}`);
    assert.ok(gaps(randomStarts).every((gap) => gap >= 24), `gaps ${gaps(randomStarts).map((g) => g.toFixed(1)).join(',')}`);
    assert.ok(drawn >= random.count - 1);
  });

  // The deadline is generous: without the fix the run never ended at all.
  it('runs a fixed number of VUs flat out, and ends even when tasks settle without touching the event loop', { timeout: 30_000 }, async () => {
    let running = 0;
    let peak = 0;
    const sleepy = await runClosed({
      name: 'fixed',
      vus: 3,
      durationMs: 200,
      progress: false,
      task: async () => {
        peak = Math.max(peak, ++running);
        await sleep(10);
        running--;
      },
    });
    assert.equal(peak, 3);
    assert.ok(sleepy.count >= 6 && sleepy.count <= 66, `count ${sleepy.count}: each VU goes round again, never more than 3 at once`);
    // Tasks that settle in microtasks (an in-process bus) must neither starve the run's timers nor
    // serialize the VUs: all 4 are in flight together.
    running = 0;
    peak = 0;
    const instant = await runClosed({
      name: 'instant',
      vus: 4,
      durationMs: 200,
      progress: false,
      task: async () => {
        peak = Math.max(peak, ++running);
        await null;
        await null;
        running--;
      },
    });
    assert.ok(instant.count > 4, `count ${instant.count}`);
    assert.equal(peak, 4);
  });

  it('counts failures and timeouts, and interrupts what is still running at the end', async () => {
    const result = await runClosed({
      name: 'failing',
      vus: 2,
      durationMs: 300,
      timeoutMs: 40,
      gracefulStopMs: 20,
      progress: false,
      task: async ({ vu, iteration }) => {
        if (vu === 0) return new Promise(() => {});
        if (iteration % 2 === 0) throw new Error('even');
        await sleep(5);
      },
    });
    const byError = Object.fromEntries(result.errors.map((e) => [e.error, e.count]));
    assert.ok(byError['TimeoutError: took longer than 40 ms']! >= 4, JSON.stringify(result.errors));
    assert.ok(byError['Error: even']! >= 10, JSON.stringify(result.errors));
    assert.equal(result.count, result.ok + result.failed);
    assert.ok(result.ok >= 10);
  });
});

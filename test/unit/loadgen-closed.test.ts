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
    const fixed = await runClosed({ name: 'think', vus: 2, durationMs: 500, thinkTimeMs: 50, progress: false, task: async () => {} });
    // 2 VUs × (500 / 50) iterations, give or take timer slack.
    assert.ok(fixed.count >= 14 && fixed.count <= 22, `count ${fixed.count}`);
    let drawn = 0;
    const random = await runClosed({ name: 'think-fn', vus: 1, durationMs: 300, thinkTimeMs: () => (drawn++, 25), progress: false, task: async () => {} });
    assert.ok(random.count >= 8 && random.count <= 13, `count ${random.count}`);
    assert.ok(drawn >= random.count - 1);
  });

  it('runs a fixed number of VUs flat out, and ends even when tasks settle without touching the event loop', async () => {
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
    assert.ok(sleepy.count >= 30 && sleepy.count <= 66, `count ${sleepy.count}`);
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
    assert.ok(instant.count > 1_000, `count ${instant.count}`);
    assert.ok(instant.durationMs < 1_000, `took ${instant.durationMs} ms`);
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

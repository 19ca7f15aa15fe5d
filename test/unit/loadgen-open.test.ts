import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runOpen } from '../../src/kit/loadgen/index.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const never = () => new Promise<never>(() => {});

function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // blocks the event loop, as a GC pause or a stuck server thread would
  }
}

describe('loadgen open model', () => {
  it('sends rate × duration requests, each once', async () => {
    const seen = new Set<number>();
    const result = await runOpen({ name: 'count', rate: 200, durationMs: 500, progress: false, task: async ({ iteration }) => void seen.add(iteration) });
    assert.equal(result.count, 100);
    assert.equal(result.ok, 100);
    assert.equal(result.failed, 0);
    assert.equal(seen.size, 100);
    assert.equal(result.model, 'open');
    assert.equal(result.rate, 200);
    assert.ok(result.durationMs >= 450, `took ${result.durationMs} ms`);
  });

  it('with timer pacing sends every request and leaves the event loop idle between them', async () => {
    // Spinning re-checks the schedule on every turn of the loop, so the loop never waits for I/O: its
    // utilization is 1 whatever the machine. Sleeping on timers leaves it waiting most of the time.
    // (What it costs in CPU is measured in docs/benchmarks.md, "The load generator's own cost".)
    const seen = new Set<number>();
    const before = performance.eventLoopUtilization();
    const result = await runOpen({ name: 'timer', rate: 1_000, durationMs: 600, pacing: 'timer', progress: false, task: async ({ iteration }) => void seen.add(iteration) });
    const utilization = performance.eventLoopUtilization(before).utilization;
    assert.equal(result.ok, 600);
    assert.equal(seen.size, 600);
    assert.ok(utilization < 0.9, `the event loop was busy ${(utilization * 100).toFixed(0)} % of the run: it spun`);
  });

  it('measures from the intended send time, so a stall shows in the requests that waited behind it', async () => {
    // Request 50 blocks the process for 200 ms. The ~100 requests due meanwhile go out late, all at once,
    // and each is answered at once: timed from its actual send (what a closed model measures) each looks
    // instant; timed from when it should have gone out, they carry the stall.
    const result = await runOpen({
      name: 'stall',
      rate: 500,
      durationMs: 600,
      progress: false,
      task: async ({ iteration }) => {
        if (iteration === 50) busyWait(200);
      },
    });
    assert.equal(result.count, 300);
    assert.ok(result.max >= 190, `max ${result.max} ms should show the 200 ms stall`);
    assert.ok(result.p90 >= 80, `p90 ${result.p90} ms should show the requests that queued behind it`);
    const stalledSecond = result.timeline[0]!;
    assert.ok(stalledSecond.max >= 190, 'the timeline shows the stall in its second');
  });

  it('fails requests over maxInFlight as dropped instead of queueing them', async () => {
    const result = await runOpen({ name: 'drop', rate: 1_000, durationMs: 200, maxInFlight: 10, gracefulStopMs: 50, progress: false, task: never });
    assert.equal(result.count, 200);
    assert.equal(result.ok, 0);
    assert.equal(result.failed, 200);
    const byName = Object.fromEntries(result.errors.map((e) => [e.error.split(':')[0], e.count]));
    assert.equal(byName.Dropped, 190);
    assert.equal(byName.Interrupted, 10);
  });

  it('fails requests slower than timeoutMs, and counts errors by name and message', async () => {
    const result = await runOpen({
      name: 'timeouts',
      rate: 100,
      durationMs: 400,
      timeoutMs: 50,
      progress: false,
      task: async ({ iteration }) => {
        if (iteration % 4 === 1) return never();
        if (iteration % 4 === 2) throw new TypeError('bad input');
        await sleep(1);
      },
    });
    assert.equal(result.count, 40);
    assert.equal(result.ok, 20);
    assert.equal(result.failed, 20);
    assert.deepEqual(
      result.errors.map((e) => [e.error, e.count]).sort(),
      [
        ['TimeoutError: took longer than 50 ms', 10],
        ['TypeError: bad input', 10],
      ],
    );
  });
});

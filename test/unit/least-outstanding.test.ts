import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeartbeatMonitor } from '../../src/kit/balance/heartbeat-monitor.ts';
import { LeastOutstanding } from '../../src/kit/balance/least-outstanding.ts';

function healthy(members: string[]): LeastOutstanding<string> {
  const lor = new LeastOutstanding(members);
  for (const m of members) lor.setHealthy(m, true);
  return lor;
}

describe('LeastOutstanding', () => {
  it('breaks ties round-robin when nothing is outstanding', () => {
    const lor = healthy(['a', 'b', 'c']);
    const picks = Array.from({ length: 6 }, () => lor.pick());
    assert.deepEqual(picks, ['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('picks the member with the fewest outstanding, and counts fall only on completion', () => {
    const lor = healthy(['a', 'b']);
    lor.assign('1', 'a');
    lor.assign('2', 'a');
    lor.assign('3', 'b');
    assert.equal(lor.pick(), 'b');
    assert.equal(lor.pick(), 'b');
    assert.equal(lor.complete('1'), 'a');
    assert.equal(lor.complete('1'), undefined, 'a second completion of one id changes nothing');
    lor.complete('2');
    assert.equal(lor.pick(), 'a');
    assert.deepEqual(
      lor.stats().map(({ member, pending, total }) => [member, pending, total]),
      [
        ['a', 0, 2],
        ['b', 1, 1],
      ],
    );
  });

  it('skips unhealthy members and reports none when all are down', () => {
    const lor = healthy(['a', 'b']);
    lor.setHealthy('a', false);
    assert.deepEqual([lor.pick(), lor.pick(), lor.pick()], ['b', 'b', 'b']);
    lor.setHealthy('b', false);
    assert.equal(lor.pick(), undefined);
    assert.equal(lor.anyHealthy, false);
  });

  it('moves a re-assigned request and forgets a down member’s count', () => {
    const lor = healthy(['a', 'b']);
    lor.assign('1', 'a');
    lor.assign('2', 'a');
    lor.assign('1', 'b');
    assert.deepEqual(lor.stats().map((s) => s.pending), [1, 1]);
    assert.equal(lor.forget('a'), 1);
    assert.equal(lor.complete('2'), undefined);
    assert.deepEqual(lor.stats().map((s) => s.pending), [0, 1]);
  });

  it('expires requests whose completion never came', () => {
    const lor = healthy(['a']);
    lor.assign('old', 'a', 1_000);
    lor.assign('new', 'a', 5_000);
    assert.equal(lor.expire(2_000, 5_500), 1);
    assert.equal(lor.stats()[0]!.pending, 1);
  });

  it('refuses an empty or repeated member list', () => {
    assert.throws(() => new LeastOutstanding([]), /at least one/);
    assert.throws(() => new LeastOutstanding(['a', 'a']), /distinct/);
  });
});

describe('HeartbeatMonitor', () => {
  it('reports up on the first beat, down after the timeout, and up again on a new beat', () => {
    const events: string[] = [];
    const monitor = new HeartbeatMonitor<string>(['w1', 'w2'], {
      timeoutMs: 1_000,
      checkEveryMs: 60_000,
      onUp: (m) => events.push(`up ${m}`),
      onDown: (m) => events.push(`down ${m}`),
    });
    try {
      assert.equal(monitor.beat('w1', 0), true);
      assert.equal(monitor.beat('w1', 500), true);
      assert.equal(monitor.beat('stranger', 500), false);
      monitor.check(1_400);
      assert.equal(monitor.isUp('w1'), true);
      monitor.check(1_600);
      assert.equal(monitor.isUp('w1'), false);
      monitor.beat('w1', 2_000);
      monitor.beat('w2', 2_000);
      monitor.down('w2');
      monitor.down('w2');
      assert.deepEqual(events, ['up w1', 'down w1', 'up w1', 'up w2', 'down w2']);
    } finally {
      monitor.stop();
    }
  });
});

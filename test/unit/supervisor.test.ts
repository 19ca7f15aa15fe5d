import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ProcessGroup } from '../../src/kit/runtime/process-group.ts';
import { type RestartPolicy, Supervisor } from '../../src/kit/runtime/supervisor.ts';
import { textSink } from '../helpers/text-sink.ts';
import { sleep, waitFor } from '../helpers/wait.ts';

const node = (code: string) => ({ command: process.execPath, args: ['-e', code] });
const LONG_RUNNING = node("console.log('up'); setInterval(() => {}, 1_000);");
const FAST: RestartPolicy = { quickExitMs: 5_000, maxQuickExits: 3, firstDelayMs: 20, maxDelayMs: 200 };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function output() {
  const stdout = textSink();
  const stderr = textSink();
  return { io: { stdout, stderr }, text: () => stdout.text + stderr.text };
}

describe('Supervisor', () => {
  const supervisors: Supervisor[] = [];
  after(() => Promise.all(supervisors.map((s) => s.stop(1_000))));
  const supervisor = (io: ReturnType<typeof output>['io'], policy = FAST) => {
    const s = new Supervisor(io, { policy });
    supervisors.push(s);
    return s;
  };

  it('starts a killed role again, says so, and leaves the other roles running', async () => {
    const out = output();
    const s = supervisor(out.io);
    s.start({ name: 'a', launch: LONG_RUNNING });
    s.start({ name: 'b', launch: LONG_RUNNING });
    await Promise.all([s.ready('a', /^up$/), s.ready('b', /^up$/)]);
    const before = s.pids();
    process.kill(before.a!, 'SIGKILL');
    await waitFor(() => s.pids().a !== undefined && s.pids().a !== before.a, 'a to run again');
    await s.ready('a', /^up$/);
    assert.equal(s.pids().b, before.b, 'b was not touched');
    assert.match(out.text(), /^a\s+\| exited \(SIGKILL\)$/m);
    assert.match(out.text(), /^a\s+\| restarting in [\d.]+ s \(restart 1; it ran [\d.]+ s and exited with SIGKILL\)$/m);
    assert.match(out.text(), new RegExp(`^a\\s+\\| started \\(pid ${s.pids().a}\\)$`, 'm'));
    assert.deepEqual(s.restarts(), { a: 1, b: 0 });
  });

  it('runs prepare before every start', async () => {
    const s = supervisor(output().io);
    let prepared = 0;
    s.start({ name: 'p', launch: LONG_RUNNING, prepare: () => prepared++ });
    await s.ready('p', /^up$/);
    process.kill(s.pids().p!, 'SIGKILL');
    await waitFor(() => prepared === 2, 'the second prepare');
  });

  it('gives up on a role that keeps crashing at start, naming it with its last lines, and restarts nothing more', async () => {
    const out = output();
    const s = supervisor(out.io);
    s.start({ name: 'steady', launch: LONG_RUNNING });
    s.start({ name: 'broken', launch: node("console.error('cannot open the store: ECONNREFUSED'); process.exit(3);") });
    const reason = await s.gaveUp;
    assert.match(reason, /^broken exited within 5 s of starting 3 times in a row \(last: code 3\); its last lines:\n {4}cannot open the store: ECONNREFUSED/);
    assert.match(out.text(), /broken\s+\| giving up on it: broken exited/);
    await assert.rejects(s.ready('steady', /never/), /broken exited within/);
    await s.stop(1_000);
    assert.deepEqual(s.pids(), {});
    assert.equal(s.restarts().broken, 2);
  });

  it('a role that ran longer than the quick-exit window before it crashed is not counted as crashing at start', async () => {
    const s = supervisor(output().io, { ...FAST, quickExitMs: 300, maxQuickExits: 2 });
    s.start({ name: 'slow-crash', launch: node('setTimeout(() => process.exit(1), 600);') });
    await waitFor(() => (s.restarts()['slow-crash'] ?? 0) >= 3, 'three restarts', 20_000);
    const gaveUp = await Promise.race([s.gaveUp, sleep(50).then(() => 'still supervising')]);
    assert.equal(gaveUp, 'still supervising');
  });

  it('stop() stops every role and restarts none of them', async () => {
    const out = output();
    const s = supervisor(out.io);
    s.start({ name: 'x', launch: LONG_RUNNING });
    s.start({ name: 'y', launch: LONG_RUNNING });
    await Promise.all([s.ready('x', /^up$/), s.ready('y', /^up$/)]);
    const pids = Object.values(s.pids());
    await s.stop(1_000);
    await sleep(100);
    assert.deepEqual(s.pids(), {});
    assert.ok(pids.every((pid) => !alive(pid)));
    assert.doesNotMatch(out.text(), /restarting/);
  });
});

describe('ProcessGroup', () => {
  it('kills what a process forked when the process itself is killed', async () => {
    const stdout = textSink();
    const group = new ProcessGroup({ stdout, stderr: textSink() });
    // A parent that forks a child and prints its pid, as nginx's master forks its workers.
    const parent = node("const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); console.log('child', c.pid); setInterval(() => {}, 1000);");
    group.start('parent', parent);
    await waitFor(() => /child \d+/.test(stdout.text), 'the child pid');
    const childPid = Number(/child (\d+)/.exec(stdout.text)![1]);
    assert.ok(alive(childPid));
    process.kill(group.pids().parent!, 'SIGKILL');
    await waitFor(() => !alive(childPid), 'the forked child to go too');
    await group.stop(1_000);
  });
});

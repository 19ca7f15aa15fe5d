import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stolenCpuMs, watchHostSteal } from '../../src/kit/observe/host-steal.ts';

describe('host steal', () => {
  it('reads the steal counter of /proc/stat on Linux, and a run\'s share of it never goes negative', { skip: process.platform !== 'linux' && 'Linux only' }, async () => {
    const since = stolenCpuMs();
    assert.equal(typeof since, 'number');
    assert.ok(since! >= 0 && since! % 10 === 0, `whole ticks of 10 ms, got ${since}`);
    const watch = watchHostSteal();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const stolen = watch.stop();
    assert.equal(typeof stolen, 'number');
    assert.ok(stolen! >= 0);
  });
});

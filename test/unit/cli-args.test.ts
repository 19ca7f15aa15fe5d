import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError, durationOption } from '../../src/kit/cli/args.ts';

describe('durationOption', () => {
  it('reads durations with units', () => {
    assert.equal(durationOption('--duration', '1m30s', 'help'), 90_000);
    assert.equal(durationOption('--duration', '250ms', 'help'), 250);
  });

  it('refuses zero unless the option allows it', () => {
    assert.throws(() => durationOption('--duration', '0s', 'help'), UsageError);
    assert.equal(durationOption('--warmup', '0s', 'help', true), 0);
    assert.equal(durationOption('--warmup', '0', 'help', true), 0);
  });

  it('names the flag and the next step on bad input', () => {
    assert.throws(() => durationOption('--warmup', 'soon', 'help', true), /--warmup "soon" is not a duration: write it with a unit/);
  });
});

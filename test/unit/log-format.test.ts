import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createLogger, logFormat, textLine } from '../../src/kit/observe/log.ts';

function captureStderr(run: () => void): string {
  const write = process.stderr.write;
  let written = '';
  process.stderr.write = ((chunk: string) => ((written += chunk), true)) as typeof process.stderr.write;
  try {
    run();
  } finally {
    process.stderr.write = write;
  }
  return written;
}

describe('log format', () => {
  const saved = { format: process.env.MENSAGEIRO_LOG_FORMAT, level: process.env.MENSAGEIRO_LOG_LEVEL };
  beforeEach(() => {
    process.env.MENSAGEIRO_LOG_LEVEL = 'info';
  });
  afterEach(() => {
    for (const [key, value] of [['MENSAGEIRO_LOG_FORMAT', saved.format], ['MENSAGEIRO_LOG_LEVEL', saved.level]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it('writes JSON lines when stderr is not a terminal', () => {
    delete process.env.MENSAGEIRO_LOG_FORMAT;
    assert.equal(process.stderr.isTTY ? 'text' : 'json', logFormat());
    process.env.MENSAGEIRO_LOG_FORMAT = 'json';
    const line = JSON.parse(captureStderr(() => createLogger('sales').info('worker is up', { worker: 'w1' }))) as Record<string, unknown>;
    assert.equal(line.name, 'sales');
    assert.equal(line.msg, 'worker is up');
    assert.equal(line.worker, 'w1');
  });

  it('writes readable lines in text format: time, level when not info, name, message, fields', () => {
    process.env.MENSAGEIRO_LOG_FORMAT = 'text';
    const out = captureStderr(() => {
      createLogger('sales').info('worker is up', { worker: 'mom-worker-1' });
      createLogger('payments').warn('health check failed', { processor: 'default', err: new Error('socket hang up') });
    });
    const [first, second] = out.trimEnd().split('\n');
    assert.match(first!, /^\d\d:\d\d:\d\d sales: worker is up {2}worker=mom-worker-1$/);
    assert.match(second!, /^\d\d:\d\d:\d\d WARN payments: health check failed {2}processor=default err="socket hang up"$/);
  });

  it('quotes field values with spaces and prints objects as JSON', () => {
    const line = textLine({ time: '2026-01-02T03:04:05.678Z', level: 'error', name: 'up', msg: 'm', dir: '/tmp/a b', ports: [1, 2] });
    assert.equal(line, '03:04:05 ERROR up: m  dir="/tmp/a b" ports=[1,2]');
  });
});

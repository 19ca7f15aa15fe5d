import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBus } from '../../src/kit/bus/registry.ts';
import { registry } from '../../src/kit/observe/metrics.ts';
import { waitFor } from '../helpers/wait.ts';

/** The value of one series; `metric` may carry a histogram's _bucket, _sum or _count suffix, `labels` any order. */
async function value(metric: string, labels: string): Promise<number> {
  const text = await registry.getSingleMetricAsString(metric.replace(/_(bucket|sum|count)$/, ''));
  const wanted = labels.split(',').sort().join(',');
  const line = text.split('\n').find((l) => {
    const match = /^([^{ ]+)\{(.*)\} /.exec(l);
    return match?.[1] === metric && match[2]!.split(',').sort().join(',') === wanted;
  });
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('bus metrics', () => {
  it('counts every message sent and handled, as /metrics reads them', async () => {
    const bus = await createBus(`memory://metrics-${process.pid}`);
    try {
      const sentBefore = await value('mensageiro_bus_sent_total', 'transport="memory",kind="send"');
      const handledBefore = await value('mensageiro_bus_handled_total', 'transport="memory",kind="queue",outcome="ok"');
      let handled = 0;
      await bus.consume('metrics.orders', () => void handled++);
      for (let i = 0; i < 5; i++) await bus.send('metrics.orders', { i });
      await waitFor(() => handled === 5, 'five deliveries');
      await waitFor(async () => (await value('mensageiro_bus_handled_total', 'transport="memory",kind="queue",outcome="ok"')) === handledBefore + 5, 'the handled count');
      assert.equal(await value('mensageiro_bus_sent_total', 'transport="memory",kind="send"'), sentBefore + 5);
      // Read twice: a count is added once, not again on every read.
      assert.equal(await value('mensageiro_bus_sent_total', 'transport="memory",kind="send"'), sentBefore + 5);
    } finally {
      await bus.close({ graceMs: 0 });
    }
  });

  it('times each request in the round-trip histogram, by outcome, cumulative per bucket', async () => {
    const bus = await createBus(`memory://metrics-rpc-${process.pid}`);
    try {
      const okBefore = await value('mensageiro_bus_request_seconds_count', 'transport="memory",outcome="ok"');
      const errorBefore = await value('mensageiro_bus_request_seconds_count', 'transport="memory",outcome="error"');
      await bus.respond('metrics.echo', (body: { fail?: boolean }) => {
        if (body.fail) throw new Error('refused');
        return body;
      });
      for (let i = 0; i < 3; i++) await bus.request('metrics.echo', {});
      await assert.rejects(bus.request('metrics.echo', { fail: true }), /refused/);
      assert.equal(await value('mensageiro_bus_request_seconds_count', 'transport="memory",outcome="ok"'), okBefore + 3);
      assert.equal(await value('mensageiro_bus_request_seconds_count', 'transport="memory",outcome="error"'), errorBefore + 1);
      assert.equal(await value('mensageiro_bus_request_seconds_bucket', 'transport="memory",outcome="ok",le="+Inf"'), okBefore + 3);
      const tenSeconds = await value('mensageiro_bus_request_seconds_bucket', 'transport="memory",outcome="ok",le="10"');
      const halfMs = await value('mensageiro_bus_request_seconds_bucket', 'transport="memory",outcome="ok",le="0.0005"');
      assert.ok(halfMs <= tenSeconds && tenSeconds === okBefore + 3, `buckets are cumulative: ${halfMs} ≤ ${tenSeconds}`);
      assert.ok((await value('mensageiro_bus_request_seconds_sum', 'transport="memory",outcome="ok"')) > 0);
    } finally {
      await bus.close({ graceMs: 0 });
    }
  });
});

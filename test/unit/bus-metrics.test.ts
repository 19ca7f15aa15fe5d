import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBus } from '../../src/kit/bus/registry.ts';
import { registry } from '../../src/kit/observe/metrics.ts';
import { waitFor } from '../helpers/wait.ts';

async function value(metric: string, labels: string): Promise<number> {
  const text = await registry.getSingleMetricAsString(metric);
  const line = text.split('\n').find((l) => l.startsWith(`${metric}{${labels}}`));
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
});

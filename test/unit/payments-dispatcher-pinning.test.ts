import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/kit/observe/log.ts';
import { DEFAULT_ROUTING_POLICY } from '../../src/systems/payments/domain/routing.ts';
import { PaymentDispatcher } from '../../src/systems/payments/roles/payment-dispatcher.ts';
import type { Lookup, ProcessorClient, SendOutcome } from '../../src/systems/payments/roles/processor-client.ts';
import { MemoryLedger } from '../../src/systems/payments/store/memory-ledger.ts';

/** A processor that answers from a script, and stores what the script says it stored. */
function scriptedProcessor(outcomes: SendOutcome[]) {
  const sent: string[] = [];
  const stored = new Map<string, string>();
  const client = {
    async send(correlationId: string, _cents: number, requestedAt: string): Promise<SendOutcome> {
      sent.push(correlationId);
      const outcome = outcomes.shift() ?? { kind: 'processed' };
      if (outcome.kind === 'processed') stored.set(correlationId, requestedAt);
      return outcome;
    },
    async lookup(correlationId: string): Promise<Lookup> {
      const requestedAt = stored.get(correlationId);
      return requestedAt ? { found: true, requestedAt, amountCents: 1990 } : { found: false };
    },
    async health() {
      return { failing: false, minResponseTime: 0 };
    },
  };
  return { client: client as unknown as ProcessorClient, sent, stored };
}

type Scripted = ReturnType<typeof scriptedProcessor>;

function dispatcherOn(primary: Scripted, fallback: Scripted, ledger: MemoryLedger): PaymentDispatcher {
  return new PaymentDispatcher({
    clients: { default: primary.client, fallback: fallback.client },
    ledger,
    policy: DEFAULT_ROUTING_POLICY,
    queueCapacity: 100,
    maxInFlight: 10,
    log: createLogger('test'),
  });
}

describe('payment dispatcher: a payment whose answer was lost', { timeout: 20_000 }, () => {
  it('stays with that processor, even while it refuses, and is recorded once, there', async () => {
    // The default's answer is lost, its lookup finds nothing yet, then it fails twice before it takes the payment.
    const primary = scriptedProcessor([{ kind: 'unknown', reason: 'timed out' }, { kind: 'failed', status: 500 }, { kind: 'failed', status: 500 }]);
    const fallback = scriptedProcessor([]);
    const ledger = new MemoryLedger();
    const dispatcher = dispatcherOn(primary, fallback, ledger);
    try {
      const settled = dispatcher.submit({ correlationId: 'c-1', amountCents: 1990 });
      assert.equal(await settled, 'recorded');
      assert.deepEqual(fallback.sent, [], 'never sent to the other processor, where it would be charged twice');
      assert.deepEqual(primary.sent, ['c-1', 'c-1', 'c-1', 'c-1']);
      const summary = await ledger.summary({ fromMs: 0, toMs: Number.MAX_SAFE_INTEGER });
      assert.equal(summary.default.totalRequests, 1);
      assert.equal(summary.fallback.totalRequests, 0);
    } finally {
      dispatcher.close();
    }
  });
});

describe('payment dispatcher: a payment the processor already holds', { timeout: 20_000 }, () => {
  it('is recorded under the requestedAt the processor holds, read as UTC when it carries no offset, whatever the local zone', async () => {
    const zone = process.env.TZ;
    process.env.TZ = 'America/Sao_Paulo';
    const primary = scriptedProcessor([{ kind: 'duplicate' }]);
    primary.stored.set('c-2', '2025-07-10T12:00:00.000');
    const ledger = new MemoryLedger();
    const dispatcher = dispatcherOn(primary, scriptedProcessor([]), ledger);
    try {
      assert.equal(await dispatcher.submit({ correlationId: 'c-2', amountCents: 1990 }), 'recorded');
      const noon = Date.UTC(2025, 6, 10, 12);
      const summary = await ledger.summary({ fromMs: noon, toMs: noon });
      assert.equal(summary.default.totalRequests, 1, 'counted at 12:00 UTC, where the processor counts it');
    } finally {
      dispatcher.close();
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });
});

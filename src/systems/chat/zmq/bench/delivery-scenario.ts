import { type LoadResult, runOpen } from '../../../../kit/loadgen/index.ts';
import type { ChatSession } from '../roles/chat-session.ts';
import type { TopologyEndpoints } from './bench-topology.ts';
import { openBenchSession } from './bench-clients.ts';
import { DELIVERY_GRACE_MS, type DeliveryCounts, DeliveryTracker } from './delivery-tracker.ts';
import { SessionPool } from './session-pool.ts';

export interface DeliveryScenarioOptions {
  endpoints: TopologyEndpoints;
  /** The publishers: each logged in, each request borrowing an idle one. */
  sessions: ChatSession[];
  channel: string;
  rate: number;
  durationMs: number;
  timeoutMs: number;
  servers: number;
  progress?: boolean;
}

export interface DeliveryScenarioResult {
  /** The publish requests, latency from their intended send time (open model). */
  requests: LoadResult;
  /** Publish to delivery at the subscriber, latency from the actual send; failed are lost. */
  delivery: LoadResult;
  counts: DeliveryCounts;
}

/**
 * An open model of `publish` requests at a constant rate, and one subscriber on the channel measuring how long
 * each publication takes from just before its request went out to its arrival.
 */
export async function runDelivery(options: DeliveryScenarioOptions): Promise<DeliveryScenarioResult> {
  const subscriber = await openBenchSession(options.endpoints, options.timeoutMs);
  try {
    subscriber.subscribe(options.channel);
    await untilSubscribed(subscriber, options.sessions[0]!, options.channel, options.servers);

    const pool = new SessionPool(options.sessions);
    const tracker = new DeliveryTracker(performance.now());
    const stopListening = subscriber.onPublication(({ payload }) => tracker.received(payload.message, performance.now()));
    const requests = await runOpen({
      name: `delivery requests @ ${options.rate}/s`,
      rate: options.rate,
      durationMs: options.durationMs,
      gracefulStopMs: options.timeoutMs + 1_000,
      progress: options.progress,
      // Delivery is timed from the actual send, so lateness costs it nothing; a spinning pacer would take a
      // core from the topology it measures (0.75 of a core at 1,000/s, measured).
      pacing: 'timer',
      task: async () => {
        const session = await pool.take();
        const seq = tracker.send();
        try {
          await session.publish(options.channel, tracker.text(seq, performance.now()));
          tracker.accepted(seq);
        } catch (err) {
          tracker.failed(seq);
          throw err;
        } finally {
          pool.give(session);
        }
      },
    });
    const graceEnds = performance.now() + DELIVERY_GRACE_MS;
    while (tracker.awaiting > 0 && performance.now() < graceEnds) await new Promise((resolve) => setTimeout(resolve, 10));
    stopListening();
    tracker.finish(performance.now(), DELIVERY_GRACE_MS);
    return { requests, delivery: tracker.result('delivery (publish → subscriber)', requests.durationMs, options.rate), counts: tracker.counts };
  } finally {
    await subscriber.close();
  }
}

/**
 * A new subscription reaches each server's PUB socket only after a moment (ZeroMQ's slow joiner), and until
 * then its publications are dropped. Probes go out until twice as many in a row as there are servers (the
 * broker takes them to each in turn) have arrived.
 */
async function untilSubscribed(subscriber: ChatSession, publisher: ChatSession, channel: string, servers: number, timeoutMs = 10_000): Promise<void> {
  const arrived = new Set<string>();
  const stop = subscriber.onPublication(({ payload }) => {
    if (typeof payload.message === 'string') arrived.add(payload.message);
  });
  const deadline = performance.now() + timeoutMs;
  try {
    for (let probe = 0, inARow = 0; inARow < 2 * servers; probe++) {
      if (performance.now() > deadline) throw new Error(`the subscriber to ${channel} received no steady stream of publications within ${timeoutMs / 1_000} s: is the proxy forwarding?`);
      const text = `probe ${probe}`;
      await publisher.publish(channel, text);
      const waitUntil = Math.min(deadline, performance.now() + 500);
      while (!arrived.has(text) && performance.now() < waitUntil) await new Promise((resolve) => setTimeout(resolve, 5));
      inARow = arrived.has(text) ? inARow + 1 : 0;
    }
  } finally {
    stop();
  }
}

import type { ProcessorName } from './processors.ts';

/** What the dispatcher knows of one processor at the moment it routes a payment. */
export interface ProcessorView {
  /** The health check says so, or the circuit breaker is open after failures it saw itself. */
  failing: boolean;
  /** The answer time to expect: the worst of the health check's minResponseTime, the measured average and the oldest request still in flight. */
  latencyMs: number;
  inFlight: number;
  maxInFlight: number;
}

export interface RoutingPolicy {
  /**
   * A processor slower than this gets nothing: its answer would land near the consistency check's edge
   * (1.5 s after requestedAt in the preview test, 2 s in the final), where the processor has counted a
   * payment that the backend has not recorded yet.
   */
  maxLatencyMs: number;
  /** When the default processor is saturated, a payment that has waited this long goes to the fallback instead. */
  spillAfterMs: number;
}

export const DEFAULT_ROUTING_POLICY: RoutingPolicy = { maxLatencyMs: 1200, spillAfterMs: 1000 };

function usable(view: ProcessorView, policy: RoutingPolicy): boolean {
  return !view.failing && view.latencyMs <= policy.maxLatencyMs;
}

function free(view: ProcessorView): boolean {
  return view.inFlight < view.maxInFlight;
}

/**
 * Where the next payment goes, or undefined to keep it waiting. The default processor is never dearer than the
 * fallback, and the client's answer never waits on a processor, so a fast fallback buys nothing but a higher fee:
 * the default gets everything it can take in time, and the fallback gets what it cannot.
 */
export function chooseProcessor(views: Record<ProcessorName, ProcessorView>, oldestWaitMs: number, policy: RoutingPolicy): ProcessorName | undefined {
  const fallbackReady = usable(views.fallback, policy) && free(views.fallback);
  if (usable(views.default, policy)) {
    if (free(views.default)) return 'default';
    return fallbackReady && oldestWaitMs >= policy.spillAfterMs ? 'fallback' : undefined;
  }
  return fallbackReady ? 'fallback' : undefined;
}

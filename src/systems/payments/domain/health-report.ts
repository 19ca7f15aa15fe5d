import type { ProcessorName } from './processors.ts';

export interface ProcessorHealth {
  failing: boolean;
  /** The processor's own figure: the delay it applies to every payment, in ms. */
  minResponseTime: number;
}

/** What the one health checker of a deployment found, shared with every instance. A processor it could not ask this round is absent. */
export interface HealthReport {
  checkedAt: number;
  processors: Partial<Record<ProcessorName, ProcessorHealth>>;
}

export const HEALTH_TOPIC = 'payments.health';
export const PURGE_TOPIC = 'payments.purge';

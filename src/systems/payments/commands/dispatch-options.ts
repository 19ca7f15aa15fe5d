import { positiveInteger } from '../../../kit/cli/args.ts';
import type { ProcessorName } from '../domain/processors.ts';
import { DEFAULT_ROUTING_POLICY, type RoutingPolicy } from '../domain/routing.ts';
import { defaultProcessorUrl, httpUrl } from './common.ts';

/** The options `serve` and `dispatcher` share, as parseArgs specs and their help lines. */
export const DISPATCH_OPTION_SPECS = {
  'processor-default': { type: 'string' },
  'processor-fallback': { type: 'string' },
  'max-in-flight': { type: 'string' },
  prefetch: { type: 'string' },
  'max-latency': { type: 'string' },
} as const;

export const DISPATCH_OPTION_HELP = `  --processor-*    default http://localhost:8001 and :8002 (or PROCESSOR_DEFAULT_URL / PROCESSOR_FALLBACK_URL)
  --max-in-flight  requests kept open to each processor by this dispatcher (theirs take 800 + 500 queued in all)
  --prefetch       accepted payments a dispatcher takes off the queue at once (default 5000)
  --max-latency    ms: a processor slower than this gets nothing (its answer would cross the consistency check)
`;

export interface DispatchSettings {
  processorUrls: Record<ProcessorName, string>;
  policy: RoutingPolicy;
  maxInFlight?: number;
  prefetch?: number;
}

type DispatchValues = { [K in keyof typeof DISPATCH_OPTION_SPECS]?: string };

export function dispatchSettings(values: DispatchValues, help: string): DispatchSettings {
  const number = (flag: keyof DispatchValues) => (values[flag] === undefined ? undefined : positiveInteger(`--${flag}`, values[flag], help));
  return {
    processorUrls: {
      default: httpUrl('--processor-default', values['processor-default'] ?? defaultProcessorUrl('default')),
      fallback: httpUrl('--processor-fallback', values['processor-fallback'] ?? defaultProcessorUrl('fallback')),
    },
    policy: { ...DEFAULT_ROUTING_POLICY, maxLatencyMs: number('max-latency') ?? DEFAULT_ROUTING_POLICY.maxLatencyMs },
    maxInFlight: number('max-in-flight'),
    prefetch: number('prefetch'),
  };
}

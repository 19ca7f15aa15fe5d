import { context, propagation } from '@opentelemetry/api';
import { childTraceparent } from '../../../kit/observe/trace.ts';

/**
 * The traceparent a new order's event carries in its outbox row and its message headers: the active
 * OpenTelemetry span's when a tracer and a propagator are registered, else a new span of the request's own
 * `traceparent` header (a new trace when it came with none). The one place to change when tracing moves
 * into the Bus.
 */
export function traceparentFor(incoming: string | string[] | undefined): string {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ?? childTraceparent(typeof incoming === 'string' ? incoming : undefined);
}

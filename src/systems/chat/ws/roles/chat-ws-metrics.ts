import { Counter, Gauge } from 'prom-client';
import { registry } from '../../../../kit/observe/metrics.ts';

const connectionCounts = new Set<() => number>();

new Gauge({
  name: 'chat_ws_connections',
  help: 'WebSocket connections open on this instance.',
  registers: [registry],
  collect() {
    let total = 0;
    for (const count of connectionCounts) total += count();
    this.set(total);
  },
});

/** Adds a hub's open connections to the gauge; the function returned takes them away. */
export function trackConnections(count: () => number): () => void {
  connectionCounts.add(count);
  return () => connectionCounts.delete(count);
}

const frames = new Counter({ name: 'chat_ws_frames_total', help: 'Client frames received, by type (invalid: refused before its type was known).', labelNames: ['type'] as const, registers: [registry] });
const refused = new Counter({ name: 'chat_ws_refused_total', help: 'Error frames sent, by code.', labelNames: ['code'] as const, registers: [registry] });
const closes = new Counter({ name: 'chat_ws_closes_total', help: 'Connections this server closed, by close code.', labelNames: ['code'] as const, registers: [registry] });
const fanout = new Counter({ name: 'chat_ws_fanout_total', help: 'Deliveries on the bus, published by this instance or received from another.', labelNames: ['direction'] as const, registers: [registry] });
export const acceptedMessages = new Counter({ name: 'chat_ws_messages_accepted_total', help: 'Room messages appended to the message log and fanned out.', registers: [registry] });

/** Label children looked up once each: a child's inc() is cheaper than labels().inc() on every frame. */
function cached<T extends string>(counter: Counter<T>): (label: string) => { inc(): void } {
  const children = new Map<string, { inc(): void }>();
  return (label) => {
    let child = children.get(label);
    if (!child) children.set(label, (child = counter.labels(label)));
    return child;
  };
}

export const framesOf = cached(frames);
export const refusedOf = cached(refused);
export const closesOf = cached(closes);
export const fanoutOf = cached(fanout);

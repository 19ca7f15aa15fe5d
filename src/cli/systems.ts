import type { SystemModule } from '../kit/platform.ts';

export interface SystemEntry {
  name: string;
  title: string;
  /** Where it comes from, in a few words. */
  origin: string;
  summary: string;
  /** Present once the system has landed; `mensageiro up` mounts it under /<name>/. */
  load?: () => Promise<SystemModule>;
}

/** The five systems, in the order the project builds them. */
export const systems: SystemEntry[] = [
  {
    name: 'sales',
    title: 'Sales analytics',
    origin: 'after the MOM-vs-RPC study',
    summary: 'Analytics queries as request/reply over a broker, balanced to SQLite workers by least outstanding requests.',
    load: async () => (await import('../systems/sales/web/sales-module.ts')).salesModule(),
  },
  {
    name: 'chat',
    title: 'Chat — WebSocket front door',
    origin: 'after go-socket',
    summary: 'Rooms, direct messages and presence on N instances behind nginx over Redis Pub/Sub, persisted through Redis Streams to PostgreSQL.',
    load: async () => (await import('../systems/chat/ws/web/chat-ws-module.ts')).chatWsModule(),
  },
  {
    name: 'fleet',
    title: 'Fleet dispatch',
    origin: 'after GoFleet',
    summary: 'Order dispatch: REST API, transactional outbox to RabbitMQ, idempotent worker with circuit breaker, gRPC geo search.',
    load: async () => (await import('../systems/fleet/web/fleet-module.ts')).fleetModule(),
  },
  {
    name: 'payments',
    title: 'Payments',
    origin: 'Rinha de Backend 2025',
    summary: 'The Rinha de Backend 2025 payment intermediary: each payment goes to a default or a fallback processor.',
    load: async () => (await import('../systems/payments/web/payments-module.ts')).paymentsModule(),
  },
  {
    name: 'chat-zmq',
    title: 'Chat — ZeroMQ front door',
    origin: 'FEI CC7261, parts 1 to 5',
    summary: 'The FEI CC7261 assignment: broker, XSUB/XPUB proxy, MessagePack, Lamport clocks, Berkeley sync, bully election, replication.',
    load: async () => (await import('../systems/chat/zmq/web/chat-zmq-module.ts')).chatZmqModule(),
  },
];

import type { FastifyInstance } from 'fastify';
import type { Bus } from './bus/bus.ts';
import type { Logger } from './observe/log.ts';

/** What `mensageiro up` hands a system it mounts: the shared in-process bus and a logger. */
export interface PlatformContext {
  bus: Bus;
  log: Logger;
}

/** How a system is doing, for its card on the landing page. */
export interface SystemHealth {
  healthy: boolean;
  /** One line, as "3 of 3 workers up · 12 queries in the last minute". */
  summary: string;
}

/**
 * A system's embedded face. `mensageiro up` registers `mount` as an encapsulated fastify plugin under
 * `/<name>/`, so a system's routes, hooks and decorators stay its own.
 */
export interface SystemModule {
  name: string;
  title: string;
  mount(app: FastifyInstance, context: PlatformContext): Promise<void>;
  /** What a person needs beside the page once it runs, one line each: e.g. the command that connects a terminal client. */
  notes?(): string[];
  /** Its live health and one figure; asked while its card is on screen. */
  health?(): Promise<SystemHealth>;
  /** Stops whatever the system started (workers, timers). */
  close?(): Promise<void>;
}

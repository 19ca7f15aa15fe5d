import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Delivery } from '../../transport.ts';
import { createLogger } from '../../../observe/log.ts';
import { AckBatch, StreamDelivery } from './ack-batch.ts';
import { coalesceThisTick } from './coalesce-writes.ts';
import { fromStreamFields } from './fields.ts';
import type { ScriptedRedis } from './scripts.ts';
import { type StreamEntry, autoclaimEntries, readEntries } from './replies.ts';

const log = createLogger('bus.redis');

export interface ConsumerSetup {
  queue: string;
  group: string;
  prefetch: number;
  claimIdleMs: number;
  /** Shared with the transport: acks and the in-flight refresh go here. */
  command: ScriptedRedis;
  /** A connection of its own, for the blocking reads. */
  blocking: ScriptedRedis;
  /** Re-creates the group after the stream was deleted under a running consumer. */
  recreateGroup: () => Promise<void>;
  onDelivery: (delivery: Delivery) => void;
}

/**
 * One consume() call: a consumer of the queue's consumer group with a name of its own. A single loop on
 * its own connection reads new entries (`>`), at most `prefetch` unacked at once; every claimIdleMs/2 it
 * also takes over, with XAUTOCLAIM, entries that dead consumers left pending longer than claimIdleMs
 * (delivered as redelivered). A timer re-claims this consumer's own in-flight entries to reset their idle
 * time, so a long-running handler does not lose its message to another consumer.
 */
export class StreamConsumer {
  readonly name = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  readonly #setup: ConsumerSetup;
  readonly #inFlight = new Set<string>();
  readonly #claimEveryMs: number;
  readonly #blockMs: number;
  readonly #refreshTimer: NodeJS.Timeout;
  #active = true;
  /** After a dropped connection a read's reply may be lost while Redis recorded it: look at our own pending entries. */
  #recover = true;
  #nextClaimAt = 0;
  #claimCursor = '0-0';
  #nextPruneAt = 0;
  #clientId: number | undefined;
  #slotFreed: (() => void) | undefined;
  #refreshing = false;
  #loop: Promise<void> = Promise.resolve();
  readonly #acks: AckBatch;

  constructor(setup: ConsumerSetup) {
    this.#setup = setup;
    this.#acks = new AckBatch(
      (ids) => {
        coalesceThisTick(setup.command);
        return setup.command.busAck(setup.queue, setup.group, ...ids);
      },
      (ids) => this.#acked(ids),
    );
    this.#claimEveryMs = Math.max(50, setup.claimIdleMs / 2);
    this.#blockMs = Math.min(1_000, this.#claimEveryMs);
    this.#refreshTimer = setInterval(() => void this.#refresh(), Math.max(50, setup.claimIdleMs / 3));
    setup.blocking.on('close', () => {
      this.#recover = true;
      this.#clientId = undefined;
    });
  }

  /** Cancelled or closed, with nothing left in flight. */
  get drained(): boolean {
    return !this.#active && this.#inFlight.size === 0;
  }

  start(): void {
    this.#loop = this.#run();
  }

  /** Stops reading; deliveries already handed out can still be acked. */
  async cancel(): Promise<void> {
    if (!this.#active) return;
    this.#active = false;
    this.#slotFreed?.();
    // Wake the blocking read without dropping the connection, so no entry is read and then lost.
    if (this.#clientId !== undefined) this.#setup.command.call('CLIENT', 'UNBLOCK', this.#clientId).catch(() => {});
    await Promise.race([this.#loop, sleep(this.#blockMs + 500, undefined, { ref: false })]);
    this.#setup.blocking.disconnect();
    if (this.#inFlight.size === 0) clearInterval(this.#refreshTimer);
  }

  /** As a crash: entries in flight stay pending until another consumer claims them. */
  close(): void {
    this.#active = false;
    this.#slotFreed?.();
    clearInterval(this.#refreshTimer);
    this.#setup.blocking.disconnect();
  }

  async #run(): Promise<void> {
    const { blocking, queue, group, prefetch } = this.#setup;
    let backoffMs = 0;
    while (this.#active) {
      try {
        this.#clientId ??= (await blocking.call('CLIENT', 'ID')) as number;
        const free = prefetch - this.#inFlight.size;
        if (free <= 0) {
          await new Promise<void>((resolve) => (this.#slotFreed = resolve));
          continue;
        }
        const now = Date.now();
        if (now >= this.#nextPruneAt) {
          const pruneIdleMs = Math.max(60_000, this.#setup.claimIdleMs * 10);
          this.#nextPruneAt = now + pruneIdleMs;
          await blocking.busPruneConsumers(queue, group, pruneIdleMs).catch((err: Error) => log.debug('could not prune consumers', { queue, err }));
        }
        if (this.#recover) {
          this.#recover = false;
          const own = readEntries(await blocking.callBuffer('XREADGROUP', 'GROUP', group, this.name, 'COUNT', prefetch + this.#inFlight.size, 'STREAMS', queue, '0'));
          const fresh = own.filter((entry) => !this.#inFlight.has(entry.id));
          if (fresh.length > free) this.#recover = true;
          this.#deliverAll(fresh.slice(0, free), false);
        } else if (now >= this.#nextClaimAt) {
          const { next, entries } = autoclaimEntries(
            await blocking.callBuffer('XAUTOCLAIM', queue, group, this.name, this.#setup.claimIdleMs, this.#claimCursor, 'COUNT', free),
          );
          this.#claimCursor = next;
          // A cursor other than 0-0 means more of the pending list is left to scan: go on next turn.
          this.#nextClaimAt = next === '0-0' ? now + this.#claimEveryMs : now;
          this.#deliverAll(entries, true);
        } else {
          this.#deliverAll(readEntries(await blocking.callBuffer('XREADGROUP', 'GROUP', group, this.name, 'COUNT', free, 'BLOCK', this.#blockMs, 'STREAMS', queue, '>')), false);
        }
        backoffMs = 0;
      } catch (err) {
        if (!this.#active) break;
        this.#recover = true;
        // The stream was deleted (deleteQueue): wait for it to come back, then read it again from the start.
        if (/^NOGROUP|no longer exists/.test(String((err as Error).message))) await this.#setup.recreateGroup().catch(() => {});
        else if (backoffMs === 0) log.warn('reading a redis stream failed; retrying', { queue, consumer: this.name, err });
        backoffMs = Math.min(backoffMs * 2 || 100, 2_000);
        await sleep(backoffMs, undefined, { ref: false });
      }
    }
  }

  #deliverAll(entries: StreamEntry[], redelivered: boolean): void {
    // Read after cancel(): left pending, so another consumer claims them.
    if (!this.#active) return;
    for (const entry of entries) this.#deliver(entry, redelivered);
  }

  #deliver({ id, fields }: StreamEntry, redelivered: boolean): void {
    const { command, queue, group } = this.#setup;
    if (this.#inFlight.has(id)) return;
    if (fields === null) {
      // Deleted while pending (the queue was purged): only its pending-list record is left.
      command.busAck(queue, group, id).catch(() => {});
      return;
    }
    this.#inFlight.add(id);
    this.#setup.onDelivery(new StreamDelivery(fromStreamFields(id, fields), redelivered, id, this.#acks));
  }

  /** Even when the ack failed: no longer refreshed, the entries go back to the group after claimIdleMs. */
  #acked(ids: string[]): void {
    for (const id of ids) this.#inFlight.delete(id);
    this.#slotFreed?.();
    this.#slotFreed = undefined;
    if (!this.#active && this.#inFlight.size === 0) clearInterval(this.#refreshTimer);
  }

  /** Resets the idle time of our in-flight entries (XCLAIM to ourselves, JUSTID: no delivery count). */
  async #refresh(): Promise<void> {
    if (this.#refreshing || this.#inFlight.size === 0) return;
    this.#refreshing = true;
    const { command, queue, group } = this.#setup;
    try {
      await command.call('XCLAIM', queue, group, this.name, 0, ...this.#inFlight, 'JUSTID');
    } catch (err) {
      log.debug('could not refresh in-flight entries', { queue, err });
    } finally {
      this.#refreshing = false;
    }
  }
}

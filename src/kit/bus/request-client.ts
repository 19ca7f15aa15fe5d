import type { Codec } from './codecs.ts';
import { decodeBody } from './codecs.ts';
import { type Envelope, createEnvelope, newMessageId } from './envelope.ts';
import { BusClosedError, DecodeError, RemoteError, RequestTimeoutError } from './errors.ts';
import { busRequestSeconds } from '../observe/metrics.ts';
import { OrderedIndex } from './ordered-index.ts';
import type { Transport } from './transport.ts';

export const ERROR_TYPE_HEADER = 'x-error-type';
export const ERROR_MESSAGE_HEADER = 'x-error';

interface Pending {
  queue: string;
  started: number;
  deadline: number;
  timeoutMs: number;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/**
 * The caller's side of request/reply: one reply channel per process, replies matched by correlation id.
 *
 * Timeouts cost no timer per request. #pending iterates in the order requests were made, and a request
 * cannot expire before `started + shortest timeout`: one timer, armed for the earliest possible deadline,
 * walks the front of it only as far as requests that old.
 */
export class RequestClient {
  readonly #pending = new OrderedIndex<Pending>();
  #shortestTimeout = Number.POSITIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #timerDue = Number.POSITIVE_INFINITY;
  #address: Promise<string> | undefined;
  #replyTo: string | undefined;
  readonly #observe;

  constructor(private readonly transport: Transport) {
    this.#observe = {
      ok: busRequestSeconds.labels(transport.kind, 'ok'),
      error: busRequestSeconds.labels(transport.kind, 'error'),
      timeout: busRequestSeconds.labels(transport.kind, 'timeout'),
    };
  }

  get inFlight(): number {
    return this.#pending.size;
  }

  request(queue: string, value: unknown, codec: Codec, timeoutMs: number, headers: Record<string, string>): Promise<unknown> {
    if (this.#replyTo === undefined) return this.#openThenRequest(queue, value, codec, timeoutMs, headers);
    const id = newMessageId();
    const envelope = createEnvelope(codec.encode(value), {
      id,
      correlationId: id,
      replyTo: this.#replyTo,
      headers,
      contentType: codec.contentType,
    });
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const pending: Pending = { queue, started, deadline: started + timeoutMs, timeoutMs, resolve, reject };
      this.#pending.add(id, pending);
      if (timeoutMs < this.#shortestTimeout) this.#shortestTimeout = timeoutMs;
      if (pending.deadline < this.#timerDue) this.#arm(pending.deadline);
      this.transport.send(queue, envelope).catch((err: Error) => this.#settle(id)?.reject(err));
    });
  }

  async #openThenRequest(queue: string, value: unknown, codec: Codec, timeoutMs: number, headers: Record<string, string>): Promise<unknown> {
    this.#address ??= this.transport.openReplies((envelope) => this.#onReply(envelope));
    this.#replyTo = await this.#address;
    return this.request(queue, value, codec, timeoutMs, headers);
  }

  #arm(due: number): void {
    clearTimeout(this.#timer);
    this.#timerDue = due;
    this.#timer = setTimeout(() => this.#expire(), Math.max(0, due - performance.now()));
  }

  #disarm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDue = Number.POSITIVE_INFINITY;
  }

  #expire(): void {
    this.#disarm();
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [id, pending] of this.#pending.entries()) {
      // Requests made later than this one cannot have expired yet, whatever their timeout.
      if (pending.started + this.#shortestTimeout > now) {
        next = Math.min(next, pending.started + this.#shortestTimeout);
        break;
      }
      if (pending.deadline > now) {
        next = Math.min(next, pending.deadline);
        continue;
      }
      this.#pending.take(id);
      this.#observe.timeout.observe(pending.timeoutMs / 1000);
      pending.reject(new RequestTimeoutError(pending.queue, pending.timeoutMs));
    }
    if (next < Number.POSITIVE_INFINITY) this.#arm(next);
  }

  #settle(correlationId: string | undefined): Pending | undefined {
    if (!correlationId) return undefined;
    const pending = this.#pending.take(correlationId);
    if (!pending) return undefined;
    // Nothing left to time out: drop the timer so it does not hold the process open.
    if (this.#pending.size === 0) this.#disarm();
    return pending;
  }

  #onReply(envelope: Envelope): void {
    const pending = this.#settle(envelope.correlationId);
    // Already settled: it timed out, or this is a second answer (a responder died after replying but before
    // acking, and another handled the request again). The caller gets one reply.
    if (!pending) return;
    const seconds = (performance.now() - pending.started) / 1000;
    const errorType = envelope.headers[ERROR_TYPE_HEADER];
    if (errorType !== undefined) {
      this.#observe.error.observe(seconds);
      const message = envelope.headers[ERROR_MESSAGE_HEADER] ?? 'the responder failed';
      pending.reject(new RemoteError(message, errorType, pending.queue));
      return;
    }
    try {
      const body = decodeBody(envelope.contentType, envelope.body);
      this.#observe.ok.observe(seconds);
      pending.resolve(body);
    } catch (err) {
      pending.reject(err instanceof DecodeError ? err : new DecodeError(String(err)));
    }
  }

  close(): void {
    for (const [id] of this.#pending.entries()) this.#settle(id)?.reject(new BusClosedError());
    this.#disarm();
  }
}

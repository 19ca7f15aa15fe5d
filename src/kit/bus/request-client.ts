import { randomUUID } from 'node:crypto';
import type { Codec } from './codecs.ts';
import { decodeBody } from './codecs.ts';
import { type Envelope, createEnvelope } from './envelope.ts';
import { BusClosedError, DecodeError, RemoteError, RequestTimeoutError } from './errors.ts';
import { busRequestSeconds } from '../observe/metrics.ts';
import type { Transport } from './transport.ts';

export const ERROR_TYPE_HEADER = 'x-error-type';
export const ERROR_MESSAGE_HEADER = 'x-error';

interface Pending {
  queue: string;
  started: number;
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** The caller's side of request/reply: one reply channel per process, replies matched by correlation id. */
export class RequestClient {
  readonly #pending = new Map<string, Pending>();
  #address: Promise<string> | undefined;
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

  async request(
    queue: string,
    value: unknown,
    codec: Codec,
    timeoutMs: number,
    headers: Record<string, string>,
  ): Promise<unknown> {
    this.#address ??= this.transport.openReplies((envelope) => this.#onReply(envelope));
    const replyTo = await this.#address;
    const id = randomUUID();
    const envelope = createEnvelope(codec.encode(value), {
      id,
      correlationId: id,
      replyTo,
      headers,
      contentType: codec.contentType,
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        this.#observe.timeout.observe(timeoutMs / 1000);
        reject(new RequestTimeoutError(queue, timeoutMs));
      }, timeoutMs);
      this.#pending.set(id, { queue, started: performance.now(), resolve, reject, timer });
      this.transport.send(queue, envelope).catch((err: Error) => this.#settle(id)?.reject(err));
    });
  }

  #settle(correlationId: string | undefined): Pending | undefined {
    if (!correlationId) return undefined;
    const pending = this.#pending.get(correlationId);
    if (!pending) return undefined;
    this.#pending.delete(correlationId);
    clearTimeout(pending.timer);
    return pending;
  }

  #onReply(envelope: Envelope): void {
    const pending = this.#settle(envelope.correlationId);
    if (!pending) return; // a late reply to a request that already timed out
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
    for (const id of [...this.#pending.keys()]) this.#settle(id)?.reject(new BusClosedError());
  }
}

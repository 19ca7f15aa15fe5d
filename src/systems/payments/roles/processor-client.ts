import { Agent, request } from 'node:http';
import { fromCents, toCents } from '../domain/money.ts';

export type SendOutcome =
  /** 200: stored under the requestedAt we sent. */
  | { kind: 'processed' }
  /** 422: the processor already holds this correlationId. */
  | { kind: 'duplicate' }
  /** 5xx: the processor refused it and stored nothing (its failure check runs before its insert). */
  | { kind: 'failed'; status: number }
  /** 429: its concurrency limiter is full; nothing was stored. */
  | { kind: 'busy' }
  /** The connection could not be made: nothing reached it. */
  | { kind: 'unreachable'; reason: string }
  /** Timed out or cut after sending: it may or may not have been stored, so ask before sending it anywhere else. */
  | { kind: 'unknown'; reason: string };

export type Lookup = { found: true; requestedAt: string; amountCents: number } | { found: false };

export interface Health {
  failing: boolean;
  minResponseTime: number;
}

export interface ProcessorClientOptions {
  /** Sockets kept open to the processor, which also caps our requests in flight to it. */
  maxSockets: number;
  /** Long on purpose: a processor keeps working after a client gives up, so a short timeout turns into a double charge. */
  timeoutMs?: number;
}

const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

interface Reply {
  status: number;
  body: string;
}

/** One payment processor over HTTP/1.1 keep-alive. */
export class ProcessorClient {
  readonly #agent: Agent;
  readonly #url: URL;
  readonly #timeoutMs: number;

  constructor(
    readonly baseUrl: string,
    options: ProcessorClientOptions,
  ) {
    this.#url = new URL(baseUrl);
    this.#agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets, maxFreeSockets: options.maxSockets, scheduling: 'lifo' });
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  async send(correlationId: string, amountCents: number, requestedAt: string): Promise<SendOutcome> {
    const body = `{"correlationId":"${correlationId}","amount":${fromCents(amountCents)},"requestedAt":"${requestedAt}"}`;
    let reply: Reply;
    try {
      reply = await this.#call('POST', '/payments', body, false);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      const reason = (err as Error).message;
      return NOT_SENT.has(code) ? { kind: 'unreachable', reason } : { kind: 'unknown', reason };
    }
    if (reply.status >= 200 && reply.status < 300) return { kind: 'processed' };
    if (reply.status === 422) return { kind: 'duplicate' };
    if (reply.status === 429) return { kind: 'busy' };
    return { kind: 'failed', status: reply.status };
  }

  /** GET /payments/{id}: the only way to learn whether a payment whose answer we lost was stored. */
  async lookup(correlationId: string): Promise<Lookup> {
    const reply = await this.#call('GET', `/payments/${correlationId}`, undefined, true);
    if (reply.status === 404) return { found: false };
    if (reply.status !== 200) throw new Error(`${this.baseUrl} answered ${reply.status} to GET /payments/${correlationId}`);
    const json = JSON.parse(reply.body) as { requestedAt: string; amount: number };
    return { found: true, requestedAt: json.requestedAt, amountCents: toCents(json.amount) ?? 0 };
  }

  /** GET /payments/service-health; undefined when the processor's rate limit refused the call (429). */
  async health(): Promise<Health | undefined> {
    const reply = await this.#call('GET', '/payments/service-health', undefined, true);
    if (reply.status === 429) return undefined;
    if (reply.status !== 200) throw new Error(`${this.baseUrl} answered ${reply.status} to GET /payments/service-health`);
    const json = JSON.parse(reply.body) as Health;
    return { failing: json.failing === true, minResponseTime: Number(json.minResponseTime) || 0 };
  }

  close(): void {
    this.#agent.destroy();
  }

  #call(method: string, path: string, body: string | undefined, readBody: boolean): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.#agent,
          host: this.#url.hostname,
          port: this.#url.port,
          method,
          path,
          headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          timeout: this.#timeoutMs,
        },
        (res) => {
          if (!readBody) {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: '' }));
            return;
          }
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer from ${this.baseUrl}${path} within ${this.#timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}

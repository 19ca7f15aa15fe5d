import http from 'node:http';
import type { HttpExchange } from '../../../kit/loadgen/http-connection.ts';
import type { ProcessorName } from '../domain/processors.ts';
import type { AdminSummary } from './rinha-score.ts';

/** One HTTP exchange as k6 sees it, whichever client made it (node:http here, HttpConnection for the VUs). */
export type TimedResponse = HttpExchange;

export interface TimedRequestOptions {
  agent: http.Agent;
  baseUrl: URL;
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: string;
  headers?: Record<string, string>;
  /** The whole exchange, connection included, must end by then (k6's `timeout`). */
  timeoutMs: number;
}

const MAX_BODY = 1 << 20;

export function timedRequest(options: TimedRequestOptions): Promise<TimedResponse> {
  const { agent, baseUrl, method, path, body, timeoutMs } = options;
  return new Promise((resolve) => {
    let sentAt: number | undefined;
    let settled = false;
    const finish = (status: number, text: string, error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const durationMs = sentAt === undefined ? 0 : performance.now() - sentAt;
      resolve(error === undefined ? { status, body: text, durationMs } : { status, body: text, durationMs, error });
    };
    const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const req = http.request({ agent, protocol: baseUrl.protocol, hostname: baseUrl.hostname, port: baseUrl.port, method, path, headers });
    const timer = setTimeout(() => req.destroy(new Error(`request timeout: no answer in ${timeoutMs} ms`)), timeoutMs);
    req.on('socket', (socket) => {
      if (socket.connecting) socket.once('connect', () => (sentAt = performance.now()));
      else sentAt = performance.now();
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (text.length < MAX_BODY) text += chunk;
      });
      res.on('end', () => finish(res.statusCode ?? 0, text));
      res.on('error', (err) => finish(0, '', err.message));
    });
    req.on('error', (err) => finish(0, '', err.message));
    req.end(body);
  });
}

export interface SummaryReply<T> {
  response: TimedResponse;
  summary: T;
  /** A 200 whose body is not JSON: in k6, JSON.parse throws and the iteration ends there. */
  invalidBody: boolean;
}

/** k6's reading of a summary: a 200 is parsed; any other answer (or none) counts as all zeros. */
export function readSummary<T>(response: TimedResponse, empty: T): SummaryReply<T> {
  if (response.status !== 200) return { response, summary: empty, invalidBody: false };
  try {
    return { response, summary: JSON.parse(response.body) as T, invalidBody: false };
  } catch {
    return { response, summary: empty, invalidBody: true };
  }
}

export const EMPTY_ADMIN_SUMMARY: AdminSummary = { totalAmount: 0, totalRequests: 0, totalFee: 0, feePerTransaction: 0 };

/**
 * The admin API of a payment processor (the official one or our emulator), authenticated with X-Rinha-Token.
 * Every call answers with the raw exchange so the bench can time it as k6 would.
 */
export class ProcessorAdmin {
  readonly #agent = new http.Agent({ keepAlive: true });
  readonly #baseUrl: URL;
  readonly #timeoutMs: number;
  #token: string;

  constructor(
    readonly name: ProcessorName,
    baseUrl: string,
    options: { token: string; timeoutMs?: number },
  ) {
    this.#baseUrl = new URL(baseUrl);
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 1_500;
  }

  get token(): string {
    return this.#token;
  }

  /** PUT /admin/configurations/token: 204 when the current token was right; from then on the new one is used. */
  async changeToken(next: string): Promise<TimedResponse> {
    const response = await this.#call('PUT', '/admin/configurations/token', { token: next });
    if (response.status === 204) this.#token = next;
    return response;
  }

  /** PUT /admin/configurations/delay: 200 `{config, was, is}`. */
  setDelay(delayMs: number): Promise<TimedResponse> {
    return this.#call('PUT', '/admin/configurations/delay', { delay: delayMs });
  }

  /** PUT /admin/configurations/failure: 200 `{config, was, is}`. */
  setFailure(failing: boolean): Promise<TimedResponse> {
    return this.#call('PUT', '/admin/configurations/failure', { failure: failing });
  }

  /** POST /admin/purge-payments: 200. */
  purge(): Promise<TimedResponse> {
    return this.#call('POST', '/admin/purge-payments');
  }

  /** GET /admin/payments-summary?from&to, with the query built as k6 builds it. */
  async summary(from: string, to: string): Promise<SummaryReply<AdminSummary>> {
    return readSummary(await this.#call('GET', `/admin/payments-summary?from=${from}&to=${to}`), EMPTY_ADMIN_SUMMARY);
  }

  close(): void {
    this.#agent.destroy();
  }

  #call(method: TimedRequestOptions['method'], path: string, payload?: unknown): Promise<TimedResponse> {
    return timedRequest({
      agent: this.#agent,
      baseUrl: this.#baseUrl,
      method,
      path,
      body: payload === undefined ? undefined : JSON.stringify(payload),
      headers: { 'x-rinha-token': this.#token },
      timeoutMs: this.#timeoutMs,
    });
  }
}

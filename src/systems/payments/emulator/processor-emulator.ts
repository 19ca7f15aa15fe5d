import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConcurrencyLimiter } from './concurrency-limiter.ts';
import { FixedWindowLimiter } from './fixed-window-limiter.ts';
import { type PaymentRow, PaymentTable } from './payment-table.ts';
import { JSON_TYPE, listen, urlHost, sendJson, sendMessage, methodNotAllowed, internalError, hasJsonContentType, readBody } from './emulator-http.ts';
import { INSTANT_EXAMPLE, parseObject, field, toNumber, parsePayment, routeGuid, queryInstant, type Decimal, decimalOf, formatDecimal } from './wire-format.ts';

export interface ProcessorEmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** TRANSACTION_FEE: 0 <= fee < 1. */
  fee: number;
  /** INITIAL_TOKEN for X-Rinha-Token (default '123'). */
  token?: string;
  /** RATE_LIMIT_SECONDS in ms: GET /payments/service-health lets one call through per window (default 5000). */
  rateLimitMs?: number;
  /** POST /payments and GET /payments/{id} at once (default 800). */
  maxActive?: number;
  /** Waiting for one of those permits, oldest first; beyond that 429 (default 500). */
  maxQueued?: number;
}

export interface ProcessorEmulator {
  /** http://host:port */
  readonly url: string;
  readonly port: number;
  /** Stops at once: requests in flight get no answer and payments still in their delay are not stored. */
  close(): Promise<void>;
  /** What GET /admin/payments-summary counts; a missing bound means every payment, as in the original. */
  summary(fromMs?: number, toMs?: number): { totalRequests: number; totalAmountCents: number };
  state(): { delayMs: number; failing: boolean };
  /** GET /payments/service-health calls received so far, answered or refused: what the contest's limit counts. */
  healthCalls(): number;
}

/** Kestrel's default, so that a client pooling connections for a minute or two never meets a closed one. */
const KEEP_ALIVE_MS = 130_000;
const INT32_MAX = 2 ** 31 - 1;

const PROCESSED_BODY = Buffer.from('{"message":"payment processed successfully"}');
const PROCESSED_HEADERS = { 'content-type': JSON_TYPE, 'content-length': String(PROCESSED_BODY.length) };
const NO_BODY = { 'content-length': '0' };

/** Starts an in-memory stand-in for the Rinha de Backend 2025 payment processor (zanfranceschi/payment-processor). */
export async function startProcessorEmulator(options: ProcessorEmulatorOptions): Promise<ProcessorEmulator> {
  const { fee, port = 0, host = '127.0.0.1', token = '123', rateLimitMs = 5_000, maxActive = 800, maxQueued = 500 } = options;
  if (!(typeof fee === 'number' && fee >= 0 && fee < 1)) throw new RangeError(`fee must be from 0 up to below 1, as in 0.05 for 5 %; got ${fee}`);
  if (typeof token !== 'string' || token === '') throw new RangeError('token must be a non-empty string, as in 123');
  if (!(Number.isFinite(rateLimitMs) && rateLimitMs > 0)) throw new RangeError(`rateLimitMs must be above 0, as in 5000; got ${rateLimitMs}`);
  if (!(Number.isInteger(maxActive) && maxActive > 0)) throw new RangeError(`maxActive must be a whole number above 0, as in 800; got ${maxActive}`);
  if (!(Number.isInteger(maxQueued) && maxQueued >= 0)) throw new RangeError(`maxQueued must be a whole number from 0 up, as in 500; got ${maxQueued}`);

  const processor = new EmulatedProcessor({ fee, token, rateLimitMs, maxActive, maxQueued });
  const server = createServer({ keepAlive: true, noDelay: true }, processor.handle);
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  await listen(server, port, host);
  const bound = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost(host)}:${bound}`,
    port: bound,
    close: () => (closing ??= processor.shutdown(server)),
    summary: (fromMs, toMs) => {
      const summary = processor.table.summary(fromMs, toMs);
      return { totalRequests: summary.totalRequests, totalAmountCents: Number(summary.totalAmountCents) };
    },
    state: () => processor.state(),
    healthCalls: () => processor.healthCalls,
  };
}

interface ProcessorSettings {
  fee: number;
  token: string;
  rateLimitMs: number;
  maxActive: number;
  maxQueued: number;
}

/**
 * The routes of the original's Endpoints.cs and Filters.cs, in the same order of checks: limiter, then body
 * binding (415/400), then the filters (delay, failure, or the admin token), then the handler.
 */
class EmulatedProcessor {
  readonly table = new PaymentTable();
  readonly #concurrency: ConcurrencyLimiter;
  readonly #healthLimiter: FixedWindowLimiter;
  readonly #fee: number;
  readonly #feeDecimal: Decimal;
  /** The original answers every limiter's refusal with Retry-After: RATE_LIMIT_SECONDS. */
  readonly #refusedHeaders: Record<string, string>;
  readonly #refusedBody = 'Calm down. Try again later.';
  #token: string;
  #delayMs = 0;
  #failing = false;
  #closed = false;
  healthCalls = 0;

  constructor(settings: ProcessorSettings) {
    this.#concurrency = new ConcurrencyLimiter(settings.maxActive, settings.maxQueued);
    this.#healthLimiter = new FixedWindowLimiter(settings.rateLimitMs);
    this.#fee = settings.fee;
    this.#feeDecimal = decimalOf(settings.fee);
    this.#token = settings.token;
    this.#refusedHeaders = {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(Buffer.byteLength(this.#refusedBody)),
      'retry-after': String(Math.max(1, Math.ceil(settings.rateLimitMs / 1_000))),
    };
  }

  state(): { delayMs: number; failing: boolean } {
    return { delayMs: this.#delayMs, failing: this.#failing };
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    try {
      const url = req.url ?? '/';
      if (url === '/payments' && req.method === 'POST') this.#admitPayment(req, res);
      else this.#route(req, res, url);
    } catch (err) {
      internalError(res, err);
    }
  };

  async shutdown(server: Server): Promise<void> {
    this.#closed = true;
    this.#healthLimiter.stop();
    this.#concurrency.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  #route(req: IncomingMessage, res: ServerResponse, url: string): void {
    const query = url.indexOf('?');
    // ASP.NET routes ignore case and a trailing slash.
    let path = (query < 0 ? url : url.slice(0, query)).toLowerCase();
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    const method = req.method;
    switch (path) {
      case '/payments':
        return method === 'POST' ? this.#admitPayment(req, res) : methodNotAllowed(res, 'POST');
      case '/payments/service-health':
        if (method === 'GET') this.healthCalls += 1;
        return method === 'GET' ? this.#admit(this.#healthLimiter, res, () => this.#sendHealth(res)) : methodNotAllowed(res, 'GET');
      case '/admin/payments-summary':
        return method === 'GET' ? this.#sendSummary(req, res, query < 0 ? '' : url.slice(query + 1)) : methodNotAllowed(res, 'GET');
      case '/admin/configurations/token':
        return method === 'PUT' ? this.#readAdminJson(req, res, (json) => this.#setToken(req, res, json)) : methodNotAllowed(res, 'PUT');
      case '/admin/configurations/delay':
        return method === 'PUT' ? this.#readAdminJson(req, res, (json) => this.#setDelay(req, res, json)) : methodNotAllowed(res, 'PUT');
      case '/admin/configurations/failure':
        return method === 'PUT' ? this.#readAdminJson(req, res, (json) => this.#setFailure(req, res, json)) : methodNotAllowed(res, 'PUT');
      case '/admin/purge-payments':
        return method === 'POST' ? this.#purge(req, res) : methodNotAllowed(res, 'POST');
    }
    if (path.startsWith('/payments/') && path.indexOf('/', 10) < 0) {
      const id = path.slice(10);
      return method === 'GET' ? this.#admit(this.#concurrency, res, () => this.#sendPayment(res, id)) : methodNotAllowed(res, 'GET');
    }
    sendMessage(res, 404, `no route for ${method} ${path}: the processor serves /payments, /payments/service-health, /payments/{id} and /admin/…`);
  }

  /** Runs `start` under the limiter; a refusal is a 429, and a caller whose client leaves while queued is dropped. */
  #admit(limiter: ConcurrencyLimiter | FixedWindowLimiter, res: ServerResponse, start: () => void): void {
    const admission = limiter.enter(start);
    if (admission === 'started') return;
    if (admission === 'refused') {
      res.writeHead(429, this.#refusedHeaders);
      res.end(this.#refusedBody);
      return;
    }
    res.once('close', () => limiter.cancel(admission));
  }

  // POST /payments: the hot path. A free permit costs no closure; the body, the delay timer and the row are all it allocates.
  #admitPayment(req: IncomingMessage, res: ServerResponse): void {
    if (this.#concurrency.tryAcquire()) this.#readPayment(req, res);
    else this.#admit(this.#concurrency, res, () => this.#readPayment(req, res));
  }

  #readPayment(req: IncomingMessage, res: ServerResponse): void {
    if (!hasJsonContentType(req)) {
      this.#concurrency.leave();
      res.writeHead(415, NO_BODY);
      res.end();
      return;
    }
    readBody(req, res, (text) => this.#onPaymentBody(res, text));
  }

  #onPaymentBody(res: ServerResponse, text: string | undefined): void {
    if (text === undefined) {
      this.#concurrency.leave();
      return;
    }
    const row = parsePayment(text);
    if (typeof row === 'string') {
      this.#concurrency.leave();
      sendMessage(res, 400, row);
      return;
    }
    // The original awaits Task.Delay with no cancellation token: a client that gives up does not stop the insert.
    const delay = this.#delayMs;
    if (delay > 0) setTimeout(this.#afterDelay, delay, res, row).unref();
    else this.#afterDelay(res, row);
  }

  readonly #afterDelay = (res: ServerResponse, row: PaymentRow): void => {
    try {
      if (this.#closed) return;
      if (this.#failing) {
        res.writeHead(500, NO_BODY);
        res.end();
      } else if (this.table.insert(row)) {
        res.writeHead(200, PROCESSED_HEADERS);
        res.end(PROCESSED_BODY);
      } else {
        sendMessage(res, 422, `Payment could not be processed. CorrelationId already exists: ${row.correlationId}.`);
      }
    } catch (err) {
      internalError(res, err);
    } finally {
      this.#concurrency.leave();
    }
  };

  #sendHealth(res: ServerResponse): void {
    sendJson(res, 200, `{"failing":${this.#failing},"minResponseTime":${this.#delayMs}}`);
  }

  #sendPayment(res: ServerResponse, idText: string): void {
    try {
      const id = routeGuid(idText);
      if (id === undefined) return sendMessage(res, 400, `"${idText}" is not a UUID: ask for GET /payments/4a7901b8-7d26-4d9d-aa19-4dc1c7cf60b3`);
      const row = this.table.get(id);
      if (row === undefined) {
        res.writeHead(404, NO_BODY);
        res.end();
        return;
      }
      sendJson(res, 200, `{"correlationId":"${row.correlationId}","amount":${formatDecimal(BigInt(row.amountCents), 2)},"requestedAt":${JSON.stringify(row.requestedAt)}}`);
    } finally {
      this.#concurrency.leave();
    }
  }

  #authorized(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.headers['x-rinha-token'] === this.#token) return true;
    res.writeHead(401, NO_BODY);
    res.end();
    return false;
  }

  #sendSummary(req: IncomingMessage, res: ServerResponse, query: string): void {
    const params = new URLSearchParams(query);
    const from = queryInstant(params.get('from'));
    const to = queryInstant(params.get('to'));
    if (Number.isNaN(from)) return sendMessage(res, 400, `from is not an ISO-8601 instant: write it ${INSTANT_EXAMPLE}`);
    if (Number.isNaN(to)) return sendMessage(res, 400, `to is not an ISO-8601 instant: write it ${INSTANT_EXAMPLE}`);
    if (!this.#authorized(req, res)) return;
    const { totalRequests, totalAmountCents } = this.table.summary(from, to);
    const totalFee = formatDecimal(totalAmountCents * this.#feeDecimal.units, 2 + this.#feeDecimal.scale);
    sendJson(res, 200, `{"totalAmount":${formatDecimal(totalAmountCents, 2)},"totalRequests":${totalRequests},"totalFee":${totalFee},"feePerTransaction":${this.#fee}}`);
  }

  #readAdminJson(req: IncomingMessage, res: ServerResponse, then: (json: Record<string, unknown>) => void): void {
    if (!hasJsonContentType(req)) {
      res.writeHead(415, NO_BODY);
      res.end();
      return;
    }
    readBody(req, res, (text) => {
      if (text === undefined) return;
      const json = parseObject(text);
      if (json === undefined) return sendMessage(res, 400, 'the body is not a JSON object: send one, as in {"delay": 100}');
      then(json);
    });
  }

  #setToken(req: IncomingMessage, res: ServerResponse, json: Record<string, unknown>): void {
    const token = field(json, 'token');
    if (typeof token !== 'string' || token === '') return sendMessage(res, 400, 'token must be a non-empty string: send {"token": "<new token>"}');
    if (!this.#authorized(req, res)) return;
    this.#token = token;
    res.writeHead(204);
    res.end();
  }

  #setDelay(req: IncomingMessage, res: ServerResponse, json: Record<string, unknown>): void {
    const delay = toNumber(field(json, 'delay'));
    if (!(Number.isInteger(delay) && delay >= 0 && delay <= INT32_MAX)) return sendMessage(res, 400, 'delay must be a whole number of milliseconds from 0 up: send {"delay": 100}');
    if (!this.#authorized(req, res)) return;
    const was = this.#delayMs;
    this.#delayMs = delay;
    sendJson(res, 200, `{"config":"delay","was":${was},"is":${delay}}`);
  }

  #setFailure(req: IncomingMessage, res: ServerResponse, json: Record<string, unknown>): void {
    const failure = field(json, 'failure');
    if (typeof failure !== 'boolean') return sendMessage(res, 400, 'failure must be true or false: send {"failure": true}');
    if (!this.#authorized(req, res)) return;
    const was = this.#failing;
    this.#failing = failure;
    sendJson(res, 200, `{"config":"failure","was":${was},"is":${failure}}`);
  }

  #purge(req: IncomingMessage, res: ServerResponse): void {
    if (!this.#authorized(req, res)) return;
    this.table.clear();
    sendJson(res, 200, '{"message":"All payments purged."}');
  }
}

// ---- wire helpers ----------------------------------------------------------------------------------------

export { parseInstant } from '../domain/instant.ts';

import net from 'node:net';

/** One exchange: status 0 when there was no answer (refused, reset, timed out), with the reason in `error`. */
export interface HttpExchange {
  status: number;
  body: string;
  /**
   * k6's http_req_duration: sending + waiting + receiving, from the moment the request can go out on a
   * connected socket to the end of the body. Connection set-up is left out, as k6 leaves it out.
   */
  durationMs: number;
  error?: string;
}

export interface HttpConnectionOptions {
  host: string;
  port: number;
  /** The whole exchange, connecting included, must end by then. */
  timeoutMs: number;
  /** Bodies are kept up to this many bytes; the rest is read and dropped. */
  maxBodyBytes?: number;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
const MAX_HEAD_BYTES = 16 * 1024;
const NO_BODY = new Set([204, 304]);

interface Pending {
  resolve(exchange: HttpExchange): void;
  timer: NodeJS.Timeout;
  sentAt?: number;
  out: Buffer;
}

/**
 * One keep-alive HTTP/1.1 connection that carries one request at a time, as a k6 VU's does. A load generator
 * keeps hundreds of these busy from one event loop, so it skips what node:http costs per request (a request
 * object, a response stream, a parser in C++ and back): it writes the request in one buffer and reads just the
 * status line, Content-Length or chunked framing, and the body. The connection is made on the first request
 * and again after the server closes it or an exchange fails.
 */
export class HttpConnection {
  readonly #options: HttpConnectionOptions;
  readonly #host: string;
  #socket: net.Socket | undefined;
  #connected = false;
  #pending: Pending | undefined;
  /** What has arrived of the pending request's response. */
  #received: Buffer = Buffer.alloc(0);

  constructor(options: HttpConnectionOptions) {
    this.#options = options;
    this.#host = `${options.host}:${options.port}`;
  }

  request(method: string, path: string, body?: string, contentType = 'application/json'): Promise<HttpExchange> {
    if (this.#pending) return Promise.reject(new Error('one request at a time on an HttpConnection: await the previous one'));
    const payload = body === undefined ? '' : body;
    const head = `${method} ${path} HTTP/1.1\r\nHost: ${this.#host}\r\n${body === undefined ? '' : `Content-Type: ${contentType}\r\n`}Content-Length: ${Buffer.byteLength(payload)}\r\n\r\n`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#fail(`request timeout: no answer in ${this.#options.timeoutMs} ms`), this.#options.timeoutMs);
      this.#pending = { resolve, timer, out: Buffer.from(head + payload) };
      if (this.#connected) this.#send();
      else if (!this.#socket) this.#connect();
    });
  }

  close(): void {
    this.#fail('the connection was closed');
    this.#forgetSocket();
  }

  #connect(): void {
    const socket = net.connect({ host: this.#options.host, port: this.#options.port, noDelay: true });
    this.#socket = socket;
    socket.on('connect', () => {
      this.#connected = true;
      if (this.#pending) this.#send();
    });
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err) => this.#dropSocket(socket, err.message));
    socket.on('close', () => this.#dropSocket(socket, 'the server closed the connection before it answered'));
  }

  #send(): void {
    const pending = this.#pending!;
    pending.sentAt = performance.now();
    this.#socket!.write(pending.out);
  }

  #dropSocket(socket: net.Socket, reason: string): void {
    if (socket !== this.#socket) return;
    this.#forgetSocket();
    this.#fail(reason);
  }

  /** The next request opens a new connection; `end` lets this one finish politely, otherwise it is cut. */
  #forgetSocket(end = false): void {
    if (end) this.#socket?.end();
    else this.#socket?.destroy();
    this.#socket = undefined;
    this.#connected = false;
  }

  /** Settles the pending request with status 0 and this reason. */
  #fail(reason: string): void {
    const pending = this.#take();
    if (!pending) return;
    // The answer to this request may still arrive; it must not be read as the next one's.
    this.#forgetSocket();
    pending.resolve({ status: 0, body: '', durationMs: pending.sentAt === undefined ? 0 : performance.now() - pending.sentAt, error: reason });
  }

  #take(): Pending | undefined {
    const pending = this.#pending;
    this.#pending = undefined;
    this.#received = Buffer.alloc(0);
    if (pending) clearTimeout(pending.timer);
    return pending;
  }

  #onData(chunk: Buffer): void {
    if (!this.#pending) {
      // Bytes nobody asked for: the stream is out of step, so start afresh.
      this.#forgetSocket();
      return;
    }
    this.#received = this.#received.length === 0 ? chunk : Buffer.concat([this.#received, chunk]);
    const parsed = parseResponse(this.#received, this.#options.maxBodyBytes ?? 1 << 20);
    if (parsed === 'incomplete') return;
    if (typeof parsed === 'string') return this.#fail(parsed);
    const pending = this.#take()!;
    if (parsed.close) this.#forgetSocket(true);
    pending.resolve({ status: parsed.status, body: parsed.body, durationMs: performance.now() - pending.sentAt! });
  }
}

interface ParsedResponse {
  status: number;
  body: string;
  close: boolean;
}

/** A whole response at the start of `data`, 'incomplete' when more bytes are needed, or why it cannot be read. */
export function parseResponse(data: Buffer, maxBodyBytes: number): ParsedResponse | 'incomplete' | string {
  const headEnd = data.indexOf(HEAD_END);
  if (headEnd < 0) return data.length > MAX_HEAD_BYTES ? `the response head is over ${MAX_HEAD_BYTES} bytes` : 'incomplete';
  const lines = data.toString('latin1', 0, headEnd).split('\r\n');
  const statusMatch = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!statusMatch) return `not an HTTP/1.x response: "${(lines[0] ?? '').slice(0, 60)}"`;
  const status = Number(statusMatch[1]);
  let length: number | undefined;
  let chunked = false;
  let close = lines[0]!.startsWith('HTTP/1.0');
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim().toLowerCase();
    if (name === 'content-length') length = Number(value);
    else if (name === 'transfer-encoding') chunked = value.includes('chunked');
    else if (name === 'connection') close = value === 'close';
  }
  const bodyStart = headEnd + HEAD_END.length;
  if (NO_BODY.has(status) || (status >= 100 && status < 200)) return { status, body: '', close };
  if (chunked) {
    const body = dechunk(data, bodyStart);
    if (body === undefined) return 'incomplete';
    if (typeof body === 'string') return body;
    return { status, body: body.toString('utf8', 0, Math.min(body.length, maxBodyBytes)), close };
  }
  if (length === undefined) return 'a response with neither Content-Length nor chunked encoding cannot end on a kept-alive connection';
  if (!Number.isSafeInteger(length) || length < 0) return `a bad Content-Length: ${length}`;
  if (data.length < bodyStart + length) return 'incomplete';
  return { status, body: data.toString('utf8', bodyStart, bodyStart + Math.min(length, maxBodyBytes)), close };
}

/** The body of a chunked response starting at `offset`; undefined until its last chunk has arrived. */
function dechunk(data: Buffer, offset: number): Buffer | string | undefined {
  const parts: Buffer[] = [];
  for (let at = offset; ; ) {
    const lineEnd = data.indexOf(CRLF, at);
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(data.toString('latin1', at, lineEnd), 16);
    if (!Number.isSafeInteger(size) || size < 0) return 'a bad chunk size in a chunked response';
    const chunkStart = lineEnd + CRLF.length;
    if (size === 0) {
      // No trailers are expected: the last chunk is followed by an empty line.
      return data.length >= chunkStart + CRLF.length ? Buffer.concat(parts) : undefined;
    }
    if (data.length < chunkStart + size + CRLF.length) return undefined;
    parts.push(data.subarray(chunkStart, chunkStart + size));
    at = chunkStart + size + CRLF.length;
  }
}

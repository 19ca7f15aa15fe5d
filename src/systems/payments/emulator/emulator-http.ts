import type { IncomingMessage, Server, ServerResponse } from 'node:http';

// HTTP plumbing for the emulator: listening, answering, and reading bounded bodies.
/** Bodies past this get 413 (the original allows Kestrel's 30 MB; nothing it is sent needs more than 100 bytes). */
export const BODY_LIMIT = 64 * 1024;
export const JSON_TYPE = 'application/json; charset=utf-8';

export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** A host to put in a URL that clients can connect to. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

export function sendJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

export function sendMessage(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, JSON.stringify({ message }));
}

export function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.writeHead(405, { allow, 'content-length': '0' });
  res.end();
}

export function internalError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendMessage(res, 500, `the emulator failed: ${err instanceof Error ? err.message : String(err)}`);
}

/** ASP.NET binds a JSON body only from application/json or a +json type; anything else is a 415. */
export function hasJsonContentType(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  if (type === undefined) return false;
  if (type === 'application/json') return true;
  const semicolon = type.indexOf(';');
  const media = (semicolon < 0 ? type : type.slice(0, semicolon)).trim().toLowerCase();
  return media === 'application/json' || media.endsWith('+json');
}

/**
 * Reads the body as text, up to BODY_LIMIT; past it the answer is 413 and the rest of the body is read and
 * dropped, so that the connection stays usable (closing it with data unread would reset it, and the client
 * could lose the 413). `done` gets undefined when the body was refused or the client went away mid-body.
 */
export function readBody(req: IncomingMessage, res: ServerResponse, done: (text: string | undefined) => void): void {
  let settled = false;
  const settle = (text: string | undefined) => {
    settled = true;
    try {
      done(text);
    } catch (err) {
      internalError(res, err);
    }
  };
  const refuse = () => {
    const body = `{"message":"the body is over ${BODY_LIMIT} bytes: send a payment of about 100"}`;
    res.writeHead(413, { 'content-type': JSON_TYPE, 'content-length': String(body.length) });
    res.end(body);
    settle(undefined);
  };
  if (Number(req.headers['content-length']) > BODY_LIMIT) {
    req.resume();
    return refuse();
  }
  let first: Buffer | undefined;
  let more: Buffer[] | undefined;
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    if (settled) return;
    size += chunk.length;
    if (size > BODY_LIMIT) return refuse();
    if (first === undefined) first = chunk;
    else (more ??= [first]).push(chunk);
  });
  req.on('end', () => {
    if (!settled) settle(more ? Buffer.concat(more).toString() : (first?.toString() ?? ''));
  });
  // Only when the body never ended: a client that went away. (An IncomingMessage emits 'error' only to listeners.)
  req.on('close', () => {
    if (!settled) settle(undefined);
  });
}


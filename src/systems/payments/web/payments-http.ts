import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { registry } from '../../../kit/observe/metrics.ts';
import type { Logger } from '../../../kit/observe/log.ts';
import { BODY_TOO_LARGE, MAX_BODY_BYTES, PaymentRejection } from '../domain/payment.ts';
import { parseTimeRange, summaryJson } from '../domain/summary.ts';
import type { PaymentsService } from '../roles/payments-instance.ts';

function send(res: ServerResponse, status: number, body: string, contentType = 'application/json'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function sendError(res: ServerResponse, status: number, message: string): void {
  const headers: Record<string, string> = {};
  if (status === 503) headers['retry-after'] = '1';
  const body = JSON.stringify({ error: message });
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function readBody(req: IncomingMessage, res: ServerResponse, onBody: (body: string) => void): void {
  const declared = Number(req.headers['content-length']);
  if (declared > MAX_BODY_BYTES) {
    sendError(res, 413, BODY_TOO_LARGE);
    req.resume();
    return;
  }
  let body = '';
  let size = 0;
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      sendError(res, 413, BODY_TOO_LARGE);
      req.destroy();
      return;
    }
    body += chunk;
  });
  req.on('end', () => {
    if (!res.headersSent) onBody(body);
  });
}

/**
 * The contest's contract on plain node:http: POST /payments is the hot path (about 600 a second, each answered
 * before any processor is asked), so it gets no framework in between.
 */
export function paymentsRequestListener(backend: PaymentsService, log: Logger): RequestListener {
  return (req, res) => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    if (req.method === 'POST' && path === '/payments') {
      readBody(req, res, (body) => {
        const refused = (err: unknown) => {
          if (err instanceof PaymentRejection) return sendError(res, err.status, err.message);
          log.error('payment not accepted', { err });
          sendError(res, 500, 'internal error; the server log has the details');
        };
        const accepted = () => {
          res.writeHead(202, { 'content-length': '0' });
          res.end();
        };
        let verdict;
        try {
          verdict = backend.accept(body);
        } catch (err) {
          return refused(err);
        }
        if (verdict) verdict.then(accepted, refused);
        else accepted();
      });
      return;
    }
    if (req.method === 'GET' && path === '/payments-summary') {
      const params = new URLSearchParams(query === -1 ? '' : url.slice(query + 1));
      let range;
      try {
        range = parseTimeRange(params.get('from'), params.get('to'));
      } catch (err) {
        return sendError(res, (err as PaymentRejection).status ?? 400, (err as Error).message);
      }
      backend.summary(range).then(
        (summary) => send(res, 200, summaryJson(summary)),
        (err: unknown) => {
          log.error('summary failed', { err });
          sendError(res, 503, 'the ledger did not answer: check the store (Redis) and retry');
        },
      );
      return;
    }
    if (req.method === 'POST' && path === '/purge-payments') {
      req.resume();
      backend.purge().then(
        () => send(res, 200, '{"message":"All payments purged."}'),
        (err: unknown) => {
          log.error('purge failed', { err });
          sendError(res, 503, 'the ledger did not answer: check the store (Redis) and retry');
        },
      );
      return;
    }
    if (req.method === 'GET' && path === '/health') return send(res, 200, JSON.stringify({ status: 'ok', ...backend.stats() }));
    if (req.method === 'GET' && path === '/metrics') {
      void registry.metrics().then((text) => send(res, 200, text, registry.contentType));
      return;
    }
    req.resume();
    sendError(res, 404, `no route for ${req.method} ${path}: the API is POST /payments, GET /payments-summary, POST /purge-payments`);
  };
}

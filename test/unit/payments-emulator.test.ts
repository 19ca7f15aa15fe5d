import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Agent, type ClientRequest, type IncomingHttpHeaders, request } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ProcessorEmulator, startProcessorEmulator } from '../../src/systems/payments/emulator/processor-emulator.ts';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

interface CallOptions {
  /** An object is sent as JSON with content-type application/json (unless headers say otherwise). */
  body?: unknown;
  headers?: Record<string, string>;
  agent?: Agent | false;
  /** Leave the request open for the caller to write and end. */
  open?: boolean;
}

/** One request on a fresh connection (or `agent`'s); the ClientRequest is there to cut it. */
function send(base: string, method: string, path: string, options: CallOptions = {}): { req: ClientRequest; reply: Promise<Reply> } {
  const url = new URL(path, base);
  const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const headers: Record<string, string | number> = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  Object.assign(headers, options.headers);
  let req!: ClientRequest;
  const reply = new Promise<Reply>((resolve, reject) => {
    req = request(url, { method, headers, agent: options.agent ?? false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (!options.open) req.end(body);
  });
  return { req, reply };
}

function call(base: string, method: string, path: string, options?: CallOptions): Promise<Reply> {
  return send(base, method, path, options).reply;
}

const TOKEN = { 'x-rinha-token': '123' };

function payment(amount = 19.9, requestedAt = '2025-07-10T12:34:56.789Z', correlationId: string = randomUUID()) {
  return { correlationId, amount, requestedAt };
}

describe('payment-processor emulator: payments', () => {
  let pp: ProcessorEmulator;
  const post = (body: unknown, headers?: Record<string, string>) => call(pp.url, 'POST', '/payments', { body, headers });
  const summary = async (query = '') => JSON.parse((await call(pp.url, 'GET', `/admin/payments-summary${query}`, { headers: TOKEN })).body);

  before(async () => {
    pp = await startProcessorEmulator({ fee: 0.05 });
  });
  after(() => pp.close());
  beforeEach(async () => {
    assert.equal((await call(pp.url, 'POST', '/admin/purge-payments', { headers: TOKEN })).status, 200);
  });

  it('stores a payment and gives it back by id, with requestedAt exactly as sent', async () => {
    const sent = payment(19.9, '2025-07-10T12:34:56.789Z');
    const reply = await post(sent);
    assert.equal(reply.status, 200);
    assert.deepEqual(JSON.parse(reply.body), { message: 'payment processed successfully' });
    assert.match(String(reply.headers['content-type']), /^application\/json/);

    const found = await call(pp.url, 'GET', `/payments/${sent.correlationId}`);
    assert.equal(found.status, 200);
    assert.deepEqual(JSON.parse(found.body), sent);
    assert.equal((await call(pp.url, 'GET', `/payments/${sent.correlationId.toUpperCase()}`)).status, 200, 'a Guid matches in any case');
    assert.deepEqual(pp.summary(), { totalRequests: 1, totalAmountCents: 1990 });
  });

  it('answers 404 for an id it does not hold and 400 for one that is not a UUID', async () => {
    const missing = await call(pp.url, 'GET', `/payments/${randomUUID()}`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body, '');
    assert.equal((await call(pp.url, 'GET', '/payments/not-a-uuid')).status, 400);
  });

  it('refuses a correlationId it already holds with 422 and keeps the first payment', async () => {
    const first = payment(10);
    assert.equal((await post(first)).status, 200);
    const again = await post({ ...first, amount: 99 });
    assert.equal(again.status, 422);
    assert.match(JSON.parse(again.body).message, new RegExp(`already exists: ${first.correlationId}`));
    assert.equal((await post({ ...first, correlationId: first.correlationId.toUpperCase() })).status, 422, 'the same Guid in capitals');
    assert.deepEqual(pp.summary(), { totalRequests: 1, totalAmountCents: 1000 });
  });

  it('refuses bad bodies with 400, 413 or 415, stores nothing and keeps serving', async () => {
    const good = payment();
    const cases: [unknown, number][] = [
      ['{"correlationId":', 400],
      ['', 400],
      ['[1,2]', 400],
      ['null', 400],
      [{ amount: 1, requestedAt: good.requestedAt }, 400],
      [{ ...good, correlationId: 'abc' }, 400],
      [{ ...good, correlationId: randomUUID().replaceAll('-', '') }, 400],
      [{ correlationId: randomUUID(), requestedAt: good.requestedAt }, 400],
      [{ ...good, correlationId: randomUUID(), amount: 'lots' }, 400],
      [{ ...good, correlationId: randomUUID(), amount: null }, 400],
      [{ ...good, correlationId: randomUUID(), amount: 1e300 }, 400],
      [{ correlationId: randomUUID(), amount: 1 }, 400],
      [{ ...good, correlationId: randomUUID(), requestedAt: 'yesterday' }, 400],
      [{ ...good, correlationId: randomUUID(), requestedAt: '2025-02-30T00:00:00.000Z' }, 400],
      [{ ...good, correlationId: randomUUID(), requestedAt: '2025-07-10T24:00:00.000Z' }, 400],
      [{ ...good, correlationId: randomUUID(), requestedAt: 1752150896789 }, 400],
      [{ ...good, correlationId: randomUUID(), filler: 'x'.repeat(70_000) }, 413],
    ];
    for (const [body, status] of cases) {
      const reply = await post(body);
      assert.equal(reply.status, status, `${String(JSON.stringify(body)).slice(0, 120)} → ${reply.status} ${reply.body}`);
      if (status === 400) assert.ok(JSON.parse(reply.body).message, 'a 400 says what is wrong');
    }
    const chunked = send(pp.url, 'POST', '/payments', { headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, open: true });
    chunked.req.write('x'.repeat(40_000));
    chunked.req.end('y'.repeat(40_000));
    assert.equal((await chunked.reply).status, 413, 'a chunked body is cut at the limit too');

    assert.equal((await post(JSON.stringify(good), { 'content-type': 'text/plain' })).status, 415);
    assert.equal(pp.summary().totalRequests, 0);
    assert.equal((await post(good)).status, 200, 'still serving');
  });

  it('keeps the connection usable after a 413', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const sockets = new Set<unknown>();
      for (const [body, status] of [[{ ...payment(), filler: 'x'.repeat(200_000) }, 413], [payment(), 200]] as const) {
        const { req, reply } = send(pp.url, 'POST', '/payments', { body, agent });
        req.on('socket', (socket) => sockets.add(socket));
        assert.equal((await reply).status, status);
      }
      assert.equal(sockets.size, 1);
    } finally {
      agent.destroy();
    }
  });

  it('reads the fields as ASP.NET does: names in any case, a number in a string', async () => {
    const id = randomUUID();
    assert.equal((await post({ CorrelationId: id, AMOUNT: '20.05', requestedat: '2025-07-10T12:00:00Z' })).status, 200);
    const found = JSON.parse((await call(pp.url, 'GET', `/payments/${id}`)).body);
    assert.deepEqual(found, { correlationId: id, amount: 20.05, requestedAt: '2025-07-10T12:00:00Z' });
  });

  it('stores round2(amount), rounding half to even as decimal.Round does', async () => {
    const amounts: [number, number][] = [
      [20.05, 2005],
      [19.905, 1990],
      [19.915, 1992],
      [0.125, 12],
      [0.135, 14],
      [1.006, 101],
      [-19.905, -1990],
    ];
    for (const [amount, cents] of amounts) {
      const sent = payment(amount);
      assert.equal((await post(sent)).status, 200);
      const found = JSON.parse((await call(pp.url, 'GET', `/payments/${sent.correlationId}`)).body);
      assert.equal(Math.round(found.amount * 100), cents, `${amount}`);
    }
  });

  it('sums in cents: a thousand payments of 0.10 make exactly 100.00, and totalFee is amount × fee', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    await Promise.all(Array.from({ length: 1000 }, () => call(pp.url, 'POST', '/payments', { body: payment(0.1), agent }))).finally(() => agent.destroy());
    const reply = await call(pp.url, 'GET', '/admin/payments-summary', { headers: TOKEN });
    assert.equal(reply.status, 200);
    assert.equal(reply.body, '{"totalAmount":100.00,"totalRequests":1000,"totalFee":5.00,"feePerTransaction":0.05}');
  });

  it('counts requestedAt within from..to inclusively, and everything when a bound is missing', async () => {
    const times = ['2025-07-10T12:00:00.000Z', '2025-07-10T12:00:01.000Z', '2025-07-10T12:00:02.000Z', '2025-07-10T09:00:03.000-03:00'];
    for (const at of times) assert.equal((await post(payment(1, at))).status, 200);
    const window = (from: string, to: string) => summary(`?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);

    assert.equal((await window('2025-07-10T12:00:01.000Z', '2025-07-10T12:00:02.000Z')).totalRequests, 2, 'both ends inclusive');
    assert.equal((await window('2025-07-10T12:00:00.001Z', '2025-07-10T12:00:01.999Z')).totalRequests, 1);
    assert.equal((await window('2025-07-10T12:00:03.000Z', '2025-07-10T12:00:03.000Z')).totalRequests, 1, 'an offset is the same instant in UTC');
    assert.equal((await window('2025-07-10T12:00:02.000Z', '2025-07-10T12:00:01.000Z')).totalRequests, 0, 'from after to: nothing, as BETWEEN');
    assert.equal((await summary('?from=2025-07-10T12:00:02.000Z')).totalRequests, 4, 'only from: every row, as the original');
    assert.equal((await summary('?to=2025-07-10T12:00:00.000Z')).totalRequests, 4, 'only to: every row');
    assert.equal((await summary('?from=&to=')).totalRequests, 4, 'empty bounds are missing bounds');
    assert.deepEqual(await summary(), { totalAmount: 4, totalRequests: 4, totalFee: 0.2, feePerTransaction: 0.05 });
    assert.deepEqual(pp.summary(Date.parse(times[1]!), Date.parse(times[2]!)), { totalRequests: 2, totalAmountCents: 200 });
    const bad = await call(pp.url, 'GET', '/admin/payments-summary?from=soon&to=2025-07-10T12:00:00.000Z', { headers: TOKEN });
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body).message, /from .*ISO-8601/);
  });

  it('keeps the connection alive between requests', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const sockets = new Set<unknown>();
      for (let i = 0; i < 3; i++) {
        const { req, reply } = send(pp.url, 'POST', '/payments', { body: payment(), agent });
        req.on('socket', (socket) => sockets.add(socket));
        assert.equal((await reply).status, 200);
      }
      assert.equal(sockets.size, 1);
    } finally {
      agent.destroy();
    }
  });
});

describe('payment-processor emulator: delay and failure', () => {
  let pp: ProcessorEmulator;
  const configure = (what: 'delay' | 'failure', value: number | boolean) => call(pp.url, 'PUT', `/admin/configurations/${what}`, { body: { [what]: value }, headers: TOKEN });

  before(async () => {
    pp = await startProcessorEmulator({ fee: 0.15, rateLimitMs: 100 });
  });
  after(() => pp.close());
  beforeEach(async () => {
    await configure('delay', 0);
    await configure('failure', false);
  });

  it('sets the delay with a 200 that says what it was, and waits that long before answering', async () => {
    const reply = await configure('delay', 150);
    assert.equal(reply.status, 200);
    assert.deepEqual(JSON.parse(reply.body), { config: 'delay', was: 0, is: 150 });
    assert.deepEqual(pp.state(), { delayMs: 150, failing: false });
    const health = await call(pp.url, 'GET', '/payments/service-health');
    assert.deepEqual(JSON.parse(health.body), { failing: false, minResponseTime: 150 });

    const started = performance.now();
    assert.equal((await call(pp.url, 'POST', '/payments', { body: payment() })).status, 200);
    assert.ok(performance.now() - started >= 140, 'the answer waited for the delay');
  });

  it('still stores a payment whose client hung up during the delay', async () => {
    await configure('delay', 200);
    const sent = payment();
    const { req, reply } = send(pp.url, 'POST', '/payments', { body: sent });
    reply.catch(() => undefined);
    await sleep(50);
    req.destroy();
    assert.equal((await call(pp.url, 'GET', `/payments/${sent.correlationId}`)).status, 404, 'not yet: still in its delay');
    await sleep(300);
    assert.equal((await call(pp.url, 'GET', `/payments/${sent.correlationId}`)).status, 200);
  });

  it('fails with a bodiless 500 in failure mode and stores nothing', async () => {
    const reply = await configure('failure', true);
    assert.equal(reply.status, 200);
    assert.deepEqual(JSON.parse(reply.body), { config: 'failure', was: false, is: true });
    const sent = payment();
    const failed = await call(pp.url, 'POST', '/payments', { body: sent });
    assert.equal(failed.status, 500);
    assert.equal(failed.body, '');
    assert.equal((await call(pp.url, 'GET', `/payments/${sent.correlationId}`)).status, 404);
    assert.equal(JSON.parse((await call(pp.url, 'GET', '/payments/service-health')).body).failing, true);
  });

  it('decides failure after the delay, as the original runs its filters', async () => {
    await configure('delay', 200);
    const failedLate = payment();
    const during = call(pp.url, 'POST', '/payments', { body: failedLate });
    await sleep(50);
    await configure('failure', true);
    assert.equal((await during).status, 500);

    const recovered = payment();
    const pending = call(pp.url, 'POST', '/payments', { body: recovered });
    await sleep(50);
    await configure('failure', false);
    assert.equal((await pending).status, 200);
    assert.equal((await call(pp.url, 'GET', `/payments/${failedLate.correlationId}`)).status, 404);
  });

  it('refuses a delay or failure that is not one', async () => {
    for (const body of [{ delay: -1 }, { delay: 1.5 }, { delay: 'soon' }, {}, '{bad']) {
      assert.equal((await call(pp.url, 'PUT', '/admin/configurations/delay', { body, headers: TOKEN })).status, 400, JSON.stringify(body));
    }
    for (const body of [{ failure: 'yes' }, { failure: 1 }, {}]) {
      assert.equal((await call(pp.url, 'PUT', '/admin/configurations/failure', { body, headers: TOKEN })).status, 400, JSON.stringify(body));
    }
    assert.deepEqual(pp.state(), { delayMs: 0, failing: false });
  });
});

describe('payment-processor emulator: admin routes', () => {
  let pp: ProcessorEmulator;

  before(async () => {
    pp = await startProcessorEmulator({ fee: 0.07, token: 'initial' });
  });
  after(() => pp.close());

  it('answers 401 without the token or with a wrong one, and changes nothing', async () => {
    const routes: [string, string, unknown][] = [
      ['GET', '/admin/payments-summary', undefined],
      ['PUT', '/admin/configurations/token', { token: 'mine' }],
      ['PUT', '/admin/configurations/delay', { delay: 100 }],
      ['PUT', '/admin/configurations/failure', { failure: true }],
      ['POST', '/admin/purge-payments', undefined],
    ];
    assert.equal((await call(pp.url, 'POST', '/payments', { body: payment() })).status, 200);
    for (const [method, path, body] of routes) {
      for (const headers of [{} as Record<string, string>, { 'x-rinha-token': 'wrong' }, { 'x-rinha-token': '123' }]) {
        assert.equal((await call(pp.url, method, path, { body, headers })).status, 401, `${method} ${path} ${JSON.stringify(headers)}`);
      }
    }
    assert.deepEqual(pp.state(), { delayMs: 0, failing: false });
    assert.equal(pp.summary().totalRequests, 1);
  });

  it('changes the token with a 204, after which only the new one works', async () => {
    const reply = await call(pp.url, 'PUT', '/admin/configurations/token', { body: { token: 'fresh-token' }, headers: { 'x-rinha-token': 'initial' } });
    assert.equal(reply.status, 204);
    assert.equal((await call(pp.url, 'GET', '/admin/payments-summary', { headers: { 'x-rinha-token': 'initial' } })).status, 401);
    assert.equal((await call(pp.url, 'GET', '/admin/payments-summary', { headers: { 'x-rinha-token': 'fresh-token' } })).status, 200);
  });

  it('purges every payment', async () => {
    await call(pp.url, 'POST', '/payments', { body: payment() });
    const reply = await call(pp.url, 'POST', '/admin/purge-payments', { headers: { 'x-rinha-token': 'fresh-token' } });
    assert.equal(reply.status, 200);
    assert.deepEqual(JSON.parse(reply.body), { message: 'All payments purged.' });
    assert.deepEqual(pp.summary(), { totalRequests: 0, totalAmountCents: 0 });
  });

  it('computes totalFee as an exact decimal product of totalAmount and the fee', async () => {
    for (let i = 0; i < 3; i++) await call(pp.url, 'POST', '/payments', { body: payment(20.05) });
    const reply = await call(pp.url, 'GET', '/admin/payments-summary', { headers: { 'x-rinha-token': 'fresh-token' } });
    assert.equal(reply.body, '{"totalAmount":60.15,"totalRequests":3,"totalFee":4.2105,"feePerTransaction":0.07}');
  });

  it('answers 404 for an unknown route and 405 for a known one with the wrong method', async () => {
    assert.equal((await call(pp.url, 'GET', '/nowhere')).status, 404);
    assert.equal((await call(pp.url, 'GET', '/payments/1/2')).status, 404);
    const wrong = await call(pp.url, 'GET', '/payments');
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.allow, 'POST');
    assert.equal((await call(pp.url, 'DELETE', '/admin/purge-payments')).status, 405);
  });
});

describe('payment-processor emulator: limits', () => {
  it('runs maxActive payments at once, queues maxQueued oldest first, and refuses the rest with 429', async () => {
    const pp = await startProcessorEmulator({ fee: 0.05, maxActive: 2, maxQueued: 1 });
    try {
      await call(pp.url, 'PUT', '/admin/configurations/delay', { body: { delay: 200 }, headers: TOKEN });
      const started = performance.now();
      const finished: number[] = [];
      const sent = [payment(), payment(), payment()];
      const accepted = sent.map(async (body, i) => {
        const reply = await call(pp.url, 'POST', '/payments', { body });
        finished[i] = performance.now() - started;
        return reply;
      });
      await sleep(50);
      const refused = await call(pp.url, 'POST', '/payments', { body: payment() });
      assert.equal(refused.status, 429);
      assert.equal(refused.headers['retry-after'], '5');
      assert.match(refused.body, /Calm down/);
      assert.equal((await call(pp.url, 'GET', `/payments/${sent[0]!.correlationId}`)).status, 429, 'lookups share the limiter');

      for (const reply of await Promise.all(accepted)) assert.equal(reply.status, 200);
      assert.ok(finished[2]! >= 390, `the queued one waited for a permit, then its own delay (${finished[2]} ms)`);
      assert.equal(pp.summary().totalRequests, 3);
    } finally {
      await pp.close();
    }
  });

  it('drops a queued payment whose client hung up, freeing its place in the queue', async () => {
    const pp = await startProcessorEmulator({ fee: 0.05, maxActive: 1, maxQueued: 1 });
    try {
      await call(pp.url, 'PUT', '/admin/configurations/delay', { body: { delay: 200 }, headers: TOKEN });
      const active = call(pp.url, 'POST', '/payments', { body: payment() });
      await sleep(30);
      const abandoned = payment();
      const queued = send(pp.url, 'POST', '/payments', { body: abandoned });
      queued.reply.catch(() => undefined);
      await sleep(30);
      queued.req.destroy();
      await sleep(30);
      const next = call(pp.url, 'POST', '/payments', { body: payment() });
      assert.equal((await active).status, 200);
      assert.equal((await next).status, 200, 'took the place the abandoned one left');
      assert.equal((await call(pp.url, 'GET', `/payments/${abandoned.correlationId}`)).status, 404);
      assert.equal(pp.summary().totalRequests, 2);
    } finally {
      await pp.close();
    }
  });

  it('gives the permit back when a client hangs up halfway through its body', async () => {
    const pp = await startProcessorEmulator({ fee: 0.05, maxActive: 1, maxQueued: 0 });
    try {
      const half = send(pp.url, 'POST', '/payments', { headers: { 'content-type': 'application/json', 'content-length': '100' }, open: true });
      half.reply.catch(() => undefined);
      half.req.write('{"correlationId":');
      await sleep(50);
      assert.equal((await call(pp.url, 'POST', '/payments', { body: payment() })).status, 429, 'the half-sent one holds the only permit');
      half.req.destroy();
      await sleep(50);
      assert.equal((await call(pp.url, 'POST', '/payments', { body: payment() })).status, 200);
    } finally {
      await pp.close();
    }
  });

  it('lets one service-health call through per window, holds two for the next windows, and refuses the rest', async () => {
    const pp = await startProcessorEmulator({ fee: 0.05, rateLimitMs: 300 });
    try {
      const started = performance.now();
      const replies = await Promise.all(
        Array.from({ length: 4 }, async (_, i) => {
          await sleep(i * 20); // arrive in order
          const reply = await call(pp.url, 'GET', '/payments/service-health');
          return { ...reply, at: performance.now() - started };
        }),
      );
      assert.deepEqual(
        replies.map((reply) => reply.status),
        [200, 200, 200, 429],
      );
      assert.ok(replies[0]!.at < replies[1]!.at, `the first goes through before the second's window (${replies[0]!.at} ms)`);
      assert.ok(replies[1]!.at >= 280 && replies[1]!.at < replies[2]!.at, `the second waits for the next window (${replies[1]!.at} ms)`);
      assert.ok(replies[2]!.at >= 580, `the third for the one after (${replies[2]!.at} ms)`);
      assert.ok(replies[3]!.at < replies[1]!.at, `the fourth is refused without waiting for a window (${replies[3]!.at} ms)`);
      assert.equal(replies[3]!.headers['retry-after'], '1');
      assert.match(replies[3]!.body, /Calm down/);
      assert.deepEqual(JSON.parse(replies[2]!.body), { failing: false, minResponseTime: 0 });
    } finally {
      await pp.close();
    }
  });
});

describe('startProcessorEmulator', () => {
  it('refuses a fee outside 0 <= fee < 1', async () => {
    for (const fee of [-0.01, 1, Number.NaN]) await assert.rejects(startProcessorEmulator({ fee }), /fee must be from 0 up to below 1/);
  });

  it('closes while payments are still in their delay, without storing them', async () => {
    const pp = await startProcessorEmulator({ fee: 0 });
    await call(pp.url, 'PUT', '/admin/configurations/delay', { body: { delay: 5_000 }, headers: TOKEN });
    const pending = call(pp.url, 'POST', '/payments', { body: payment() });
    await sleep(30);
    await pp.close();
    await assert.rejects(pending);
    assert.equal(pp.summary().totalRequests, 0);
    await assert.rejects(call(pp.url, 'GET', '/payments/service-health'), /ECONNREFUSED/);
  });
});

import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { HttpConnection, parseResponse } from '../../src/kit/loadgen/http-connection.ts';

describe('HttpConnection against node:http', () => {
  let server: http.Server;
  let port: number;
  const seen: { method?: string; url?: string; body: string; socket: number }[] = [];
  const sockets = new Map<net.Socket, number>();

  before(async () => {
    server = http.createServer((req, res) => {
      if (!sockets.has(req.socket)) sockets.set(req.socket, sockets.size);
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, body, socket: sockets.get(req.socket)! });
        if (req.url === '/accepted') res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ got: JSON.parse(body) }));
        else if (req.url === '/chunked') {
          res.writeHead(200);
          res.write('hello, ');
          setTimeout(() => res.end('chunked world'), 20);
        } else if (req.url === '/empty') res.writeHead(204).end();
        else if (req.url === '/close') res.writeHead(200, { connection: 'close', 'content-length': '2' }).end('ok');
        else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end('late'), 300);
        else if (req.url === '/hangup') req.socket.destroy();
        else res.writeHead(404, { 'content-length': '9' }).end('not found');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends a JSON body and reads status and body, reusing one connection', async () => {
    const connection = new HttpConnection({ host: '127.0.0.1', port, timeoutMs: 1_000 });
    const first = await connection.request('POST', '/accepted', JSON.stringify({ amount: 19.9 }));
    const second = await connection.request('POST', '/accepted', '{"amount":1}');
    assert.equal(first.status, 202);
    assert.deepEqual(JSON.parse(first.body), { got: { amount: 19.9 } });
    assert.ok(first.durationMs > 0);
    assert.deepEqual(JSON.parse(second.body), { got: { amount: 1 } });
    const mine = seen.slice(-2);
    assert.equal(mine[0]!.socket, mine[1]!.socket, 'kept alive');
    assert.equal(mine[0]!.method, 'POST');
    connection.close();
  });

  it('reads chunked bodies that arrive in pieces, empty 204s and 404s', async () => {
    const connection = new HttpConnection({ host: '127.0.0.1', port, timeoutMs: 1_000 });
    const chunked = await connection.request('GET', '/chunked');
    assert.equal(chunked.status, 200);
    assert.equal(chunked.body, 'hello, chunked world');
    assert.ok(chunked.durationMs >= 15, `the second piece came 20 ms later, measured ${chunked.durationMs} ms`);
    assert.deepEqual({ ...(await connection.request('POST', '/empty', '{}')), durationMs: 0 }, { status: 204, body: '', durationMs: 0 });
    const missing = await connection.request('GET', '/nothing-here');
    assert.equal(missing.status, 404);
    assert.equal(missing.body, 'not found');
    connection.close();
  });

  it('opens a new connection after the server asks to close, or hangs up, or times out', async () => {
    const connection = new HttpConnection({ host: '127.0.0.1', port, timeoutMs: 150 });
    assert.equal((await connection.request('GET', '/close')).body, 'ok');
    const afterClose = seen.length;
    assert.equal((await connection.request('POST', '/accepted', '{"n":1}')).status, 202);
    assert.notEqual(seen[afterClose]!.socket, seen[afterClose - 1]!.socket, 'a new connection after Connection: close');

    const hangup = await connection.request('GET', '/hangup');
    assert.equal(hangup.status, 0);
    assert.match(hangup.error ?? '', /closed the connection|ECONNRESET|socket hang up/);
    assert.equal((await connection.request('POST', '/accepted', '{"n":2}')).status, 202, 'and works again after');

    const slow = await connection.request('GET', '/slow');
    assert.equal(slow.status, 0);
    assert.match(slow.error ?? '', /timeout: no answer in 150 ms/);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the late answer would arrive now, on the old connection
    const next = await connection.request('POST', '/accepted', '{"n":3}');
    assert.equal(next.status, 202, 'the late answer is not taken for the next request');
    assert.deepEqual(JSON.parse(next.body), { got: { n: 3 } });
    connection.close();
  });

  it('reports a refused connection as status 0 with the reason, and one request at a time', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const connection = new HttpConnection({ host: '127.0.0.1', port: freePort, timeoutMs: 1_000 });
    const refused = await connection.request('GET', '/');
    assert.equal(refused.status, 0);
    assert.match(refused.error ?? '', /ECONNREFUSED/);

    const busy = new HttpConnection({ host: '127.0.0.1', port, timeoutMs: 1_000 });
    const first = busy.request('GET', '/slow');
    await assert.rejects(busy.request('GET', '/slow'), /one request at a time/);
    assert.equal((await first).status, 200);
    busy.close();
  });
});

describe('parseResponse', () => {
  const parse = (text: string) => parseResponse(Buffer.from(text, 'latin1'), 1 << 20);

  it('waits for the whole head and body', () => {
    assert.equal(parse('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n'), 'incomplete');
    assert.equal(parse('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab'), 'incomplete');
    assert.deepEqual(parse('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nabcde'), { status: 200, body: 'abcde', close: false });
    assert.equal(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n'), 'incomplete');
    assert.deepEqual(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'), { status: 200, body: 'abc', close: false });
  });

  it('says what is wrong with what it cannot read', () => {
    assert.match(parse('SSH-2.0-OpenSSH\r\n\r\n') as string, /not an HTTP\/1.x response/);
    assert.match(parse('HTTP/1.1 200 OK\r\n\r\nbody') as string, /neither Content-Length nor chunked/);
    assert.match(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n') as string, /bad chunk size/);
    assert.match(parse('HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n') as string, /bad Content-Length/);
    assert.deepEqual(parse('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n'), { status: 200, body: '', close: true });
  });
});

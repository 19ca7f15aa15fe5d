import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exitOf, freePort, startCli } from '../helpers/cli-process.ts';
import { waitFor } from '../helpers/wait.ts';

describe('mensageiro up', { timeout: 60_000 }, () => {
  let port = 0;
  let up: ReturnType<typeof startCli>;

  before(async () => {
    port = await freePort();
    up = startCli(['up', '--port', String(port), '--host', '127.0.0.1'], { DB_PATH: join(mkdtempSync(join(tmpdir(), 'up-')), 'sales.db') });
    await waitFor(() => up.output().includes('mensageiro is up on'), 'the server to start', 30_000);
  });
  after(() => void up.kill('SIGKILL'));

  it('lists the five systems: sales, payments and chat-zmq live, chat and fleet not built yet', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /text\/html/);
    const html = await response.text();
    for (const name of ['sales', 'chat', 'fleet', 'payments', 'chat-zmq']) assert.ok(html.includes(`data-system="${name}"`), name);
    assert.equal(html.match(/not built yet/g)?.length, 2);
    assert.ok(html.includes('href="/sales/"'), 'the sales card links to its page');
    assert.ok(html.includes('href="/payments/"'), 'the payments card links to its page');
    assert.ok(html.includes('href="/chat-zmq/"'), 'the chat-zmq card links to its page');
  });

  it('serves /health and Prometheus /metrics', async () => {
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { status: string; systems: unknown };
    assert.equal(health.status, 'ok');
    assert.deepEqual(health.systems, [
      { name: 'sales', status: 'up' },
      { name: 'chat', status: 'not built yet' },
      { name: 'fleet', status: 'not built yet' },
      { name: 'payments', status: 'up' },
      { name: 'chat-zmq', status: 'up' },
    ]);
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.match(metrics.headers.get('content-type')!, /text\/plain; version=0\.0\.4/);
    assert.match(await metrics.text(), /^mensageiro_process_cpu_seconds_total/m);
  });

  it('answers an unknown route with a JSON 404', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/nope`);
    assert.equal(response.status, 404);
    assert.match(((await response.json()) as { error: string }).error, /no route for GET \/nope/);
  });

  it('says what to do when the port is taken', async () => {
    const second = startCli(['up', '--port', String(port), '--host', '127.0.0.1']);
    assert.equal(await exitOf(second, 30_000), 1);
    assert.match(second.output(), /port \d+ is already in use\. .*mensageiro up --port \d+/);
  });

  it('stops cleanly on Ctrl-C', async () => {
    up.kill('SIGINT');
    assert.equal(await exitOf(up), 0);
  });
});

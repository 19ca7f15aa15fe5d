import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exitOf, freePort, startCli, startUp } from '../helpers/cli-process.ts';
import { waitFor } from '../helpers/wait.ts';

describe('mensageiro up', { timeout: 60_000 }, () => {
  let port = 0;
  let up: ReturnType<typeof startUp>;

  before(async () => {
    port = await freePort();
    up = startUp(port);
    await waitFor(() => up.output().includes('mensageiro is up on'), 'the server to start', 30_000);
  });
  after(() => void up.kill('SIGKILL'));

  it('lists the five systems, each live', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /text\/html/);
    const html = await response.text();
    for (const name of ['sales', 'chat', 'fleet', 'payments', 'chat-zmq']) assert.ok(html.includes(`data-system="${name}"`), name);
    assert.equal(html.match(/not built yet/g), null);
    assert.ok(html.includes('href="/chat/"'), 'the chat card links to its page');
    assert.ok(html.includes('href="/sales/"'), 'the sales card links to its page');
    assert.ok(html.includes('href="/fleet/"'), 'the fleet card links to its page');
    assert.ok(html.includes('href="/payments/"'), 'the payments card links to its page');
    assert.ok(html.includes('href="/chat-zmq/"'), 'the chat-zmq card links to its page');
  });

  it('serves /health and Prometheus /metrics', async () => {
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { status: string; systems: unknown };
    assert.equal(health.status, 'ok');
    assert.deepEqual(health.systems, [
      { name: 'sales', status: 'up' },
      { name: 'chat', status: 'up' },
      { name: 'fleet', status: 'up' },
      { name: 'payments', status: 'up' },
      { name: 'chat-zmq', status: 'up' },
    ]);
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.match(metrics.headers.get('content-type')!, /text\/plain; version=0\.0\.4/);
    assert.match(await metrics.text(), /^mensageiro_process_cpu_seconds_total/m);
  });

  it('prints where each system is, and the terminal client command for the embedded ZeroMQ chat', async () => {
    const out = up.output();
    for (const name of ['sales', 'chat', 'fleet', 'payments', 'chat-zmq']) assert.match(out, new RegExp(`^  ${name} +http://localhost:${port}/${name}/$`, 'm'));
    const client = /mensageiro chat zmq client --broker tcp:\/\/127\.0\.0\.1:(\d+) --proxy tcp:\/\/127\.0\.0\.1:(\d+)$/m.exec(out);
    assert.ok(client, out);
    for (const endpoint of client.slice(1).map(Number)) await connects(endpoint);
  });

  it('answers an unknown route with a JSON 404', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/nope`);
    assert.equal(response.status, 404);
    assert.match(((await response.json()) as { error: string }).error, /no route for GET \/nope/);
  });

  it('says what to do when the port is taken', async () => {
    const second = startCli(['up', '--port', String(port), '--host', '127.0.0.1'], { MENSAGEIRO_LOG_LEVEL: 'info' });
    assert.equal(await exitOf(second, 30_000), 1);
    assert.match(second.output(), new RegExp(`^mensageiro up: port ${port} is already in use\\. .*mensageiro up --port ${port + 1}$`, 'm'));
    assert.doesNotMatch(second.output(), /worker is up|chat zmq running/, 'nothing started before the port was found taken');
  });

  it('stops cleanly on Ctrl-C', async () => {
    up.kill('SIGINT');
    assert.equal(await exitOf(up), 0);
  });
});

function connects(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

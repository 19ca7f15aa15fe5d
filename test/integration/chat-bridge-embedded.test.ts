import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ChatSession } from '../../src/systems/chat/zmq/roles/chat-session.ts';
import { ChatClient, type Frame } from '../helpers/chat-ws-client.ts';
import { freePort, startUp, stopGracefully } from '../helpers/cli-process.ts';
import { sleep, waitFor } from '../helpers/wait.ts';

const text = (frame: Frame) => (frame.payload as { message?: unknown }).message;

describe('mensageiro up bridges its two embedded chat doors', { timeout: 180_000 }, () => {
  let up: ReturnType<typeof startUp>;
  let ws: ChatClient;
  let zed: ChatSession;
  const received: Array<{ topic: string; payload: Record<string, unknown> }> = [];

  before(async () => {
    const port = await freePort();
    up = startUp(port, { MENSAGEIRO_LOG_LEVEL: 'warn' });
    let endpoints: RegExpExecArray | null = null;
    await waitFor(() => (endpoints = /--broker (\S+) --proxy (\S+)/.exec(up.output())) !== null || up.exitCode !== null, 'up to print the ZeroMQ endpoints', 90_000);
    assert.ok(endpoints, up.output());
    const [, broker, proxy] = endpoints as RegExpExecArray;
    zed = await ChatSession.open({ broker: broker!, proxy: proxy! });
    zed.onPublication((publication) => received.push(publication));
    await zed.login('zed');
    await zed.createChannel('praca');
    zed.subscribe('praca');
    ws = await ChatClient.joined(`ws://127.0.0.1:${port}/chat/ws`, { id: 'u-wanda', username: 'wanda' }, ['praca']);
  });

  after(async () => {
    ws?.close();
    await zed?.close();
    if (up) await stopGracefully(up);
  });

  it('carries a message each way once, with no echo', async () => {
    await waitFor(
      async () => {
        await zed.publish('praca', 'ping');
        await sleep(200);
        return ws.of('message', (f) => text(f) === 'ping').length > 0;
      },
      'the bridge to carry a first message',
      30_000,
    );
    await zed.publish('praca', 'from zmq');
    ws.send({ type: 'publish', room: 'praca', payload: 'from ws' });
    await ws.next((f) => f.type === 'message' && text(f) === 'from zmq', 'the ZeroMQ message on the page side');
    await waitFor(() => received.some((p) => p.payload.message === 'from ws'), 'the page message on the ZeroMQ side');
    await sleep(1_500);
    assert.equal(ws.of('message', (f) => text(f) === 'from zmq').length, 1);
    assert.equal(ws.of('message', (f) => text(f) === 'from ws').length, 1);
    assert.equal(received.filter((p) => p.payload.message === 'from ws').length, 1);
    assert.equal(received.filter((p) => p.payload.message === 'from zmq').length, 1);
    // The embedded bridge appends to the page's own store: a late joiner's history has the ZeroMQ message.
    const late = await ChatClient.joined(`ws://127.0.0.1:${(new URL(ws.ws.url)).port}/chat/ws`, { id: 'u-late', username: 'late' }, ['praca'], true);
    try {
      await late.next((f) => f.type === 'history' && text(f) === 'from zmq', 'the ZeroMQ message in the history');
    } finally {
      late.close();
    }
  });
});

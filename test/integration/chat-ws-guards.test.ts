import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { Bus } from '../../src/kit/bus/bus.ts';
import { createBus } from '../../src/kit/bus/registry.ts';
import { MemoryPresence } from '../../src/systems/chat/ws/roles/memory-presence.ts';
import { TokenAuth } from '../../src/systems/chat/ws/roles/token-auth.ts';
import { MemoryMessageStore } from '../../src/systems/chat/ws/store/memory-history.ts';
import { ChatClient } from '../helpers/chat-ws-client.ts';
import { type ChatInstance, startChatInstance } from '../helpers/chat-ws-instance.ts';
import { sleep, waitFor } from '../helpers/wait.ts';

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const SECRET = randomUUID() + randomUUID();

/** The status an upgrade was refused with, or 101 when it was taken. */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });
}

describe('the chat ws server\'s guards', { timeout: 60_000 }, () => {
  let bus: Bus;
  const instances: ChatInstance[] = [];
  const clients: ChatClient[] = [];
  const start = async (options: Omit<Parameters<typeof startChatInstance>[0], 'bus' | 'store' | 'presence' | 'instanceId'>) => {
    const instanceId = unique('guard');
    const instance = await startChatInstance({ instanceId, bus, store: new MemoryMessageStore(), presence: new MemoryPresence(instanceId), ...options });
    instances.push(instance);
    return instance;
  };
  const open = async (url: string, options?: Parameters<typeof ChatClient.open>[1]) => {
    const client = await ChatClient.open(url, options);
    clients.push(client);
    return client;
  };

  before(async () => {
    bus = await createBus(`memory://${unique('guards')}`);
  });
  after(async () => {
    for (const client of clients) client.close();
    for (const instance of instances) await instance.close();
    await bus.close();
  });

  describe('rate limit', () => {
    it('drops frames over the rate with an error frame, closes a client that keeps on with 4429, and serves the others', async () => {
      const chat = await start({ connection: { rate: { perSecond: 1, burst: 5 }, abuse: { perSecond: 0.1, burst: 3 } } });
      const room = unique('room');
      const abuser = await ChatClient.joined(chat.url, { id: unique('a'), username: 'abuser' }, [room]);
      const fair = await ChatClient.joined(chat.url, { id: unique('f'), username: 'fair' }, [room]);
      clients.push(abuser, fair);
      for (let i = 0; i < 12; i++) abuser.send({ type: 'typing', room, isTyping: true });
      const closed = await abuser.untilClosed();
      assert.equal(closed.code, 4429);
      assert.match(closed.reason, /rate limit/);
      const limited = abuser.of('error', (f) => f.code === 'rate_limited');
      assert.equal(limited.length, 3, 'one error frame per refused frame until the abuse allowance ran out');
      assert.match(limited[0]!.error as string, /1 frames a second \(bursts of 5\)/);
      const echo = await fair.ask({ type: 'publish', room, payload: 'fine' }, (f) => f.type === 'message');
      assert.deepEqual(echo.payload, { message: 'fine', type: 'text' });
    });
  });

  describe('tokens', () => {
    let chat: ChatInstance;
    const auth = new TokenAuth(SECRET);
    before(async () => {
      chat = await start({ auth });
    });

    it('closes a connection without a token, with a bad one or an expired one with 4401 and the reason', async () => {
      const cases: Array<[string, RegExp]> = [
        [chat.url, /no token/],
        [`${chat.url}?token=not.a.jwt`, /not a valid JWT/],
        [`${chat.url}?token=${await new TokenAuth(randomUUID() + randomUUID()).sign({ id: 'u1', username: 'ana' }, 60)}`, /signature/],
        [`${chat.url}?token=${await auth.sign({ id: 'u1', username: 'ana' }, -10)}`, /expired/],
      ];
      for (const [url, reason] of cases) {
        const client = await open(url);
        const closed = await client.untilClosed();
        assert.equal(closed.code, 4401, url);
        assert.match(closed.reason, reason);
        assert.equal(client.of('welcome').length, 0);
      }
    });

    it('takes the user from the token (?token=, Authorization or the subprotocol) and ignores the user a client sends', async () => {
      const token = await auth.sign({ id: 'u-ana', username: 'Ana' }, 60);
      const byQuery = await open(`${chat.url}?token=${token}`);
      const byHeader = await open(chat.url, { headers: { authorization: `Bearer ${token}` } });
      const byProtocol = await open(chat.url, { protocols: ['chat', `bearer.${token}`] });
      assert.equal(byProtocol.ws.protocol, 'chat', 'the server picks the chat protocol, never echoes the token');
      for (const client of [byQuery, byHeader, byProtocol]) {
        const [welcome] = client.of('welcome');
        assert.deepEqual(welcome?.user, { id: 'u-ana', username: 'Ana' });
        assert.equal(welcome?.anonymous, false);
      }
      const room = unique('room');
      byQuery.send({ type: 'subscribe', room, user: { id: 'someone-else', username: 'Mallory' } });
      const echo = await byQuery.ask({ type: 'publish', room, payload: 'me' }, (f) => f.type === 'message');
      assert.deepEqual(echo.user, { id: 'u-ana', username: 'Ana' });
    });

    it('closes a connection with 4401 when its token expires', async () => {
      const client = await open(`${chat.url}?token=${await auth.sign({ id: 'u-brief', username: 'brief' }, 2)}`);
      assert.equal(client.of('welcome').length, 1);
      const closed = await client.untilClosed(10_000);
      assert.deepEqual(closed, { code: 4401, reason: 'token expired' });
    });
  });

  it('cuts a connection that answers no ping within the pong wait, and keeps one that does', async () => {
    const chat = await start({ pingIntervalMs: 100, connection: { pongWaitMs: 600 } });
    const live = await open(chat.url);
    const silent = await open(chat.url);
    silent.ws.pause(); // it reads nothing, so it answers no ping
    await waitFor(() => chat.hub.connectionCount === 1, 'the silent connection to be cut');
    await sleep(1_000);
    assert.equal(chat.hub.connectionCount, 1);
    assert.equal(live.closed, undefined, 'the client that answers pings stays');
  });

  it('refuses upgrades beyond its connection limit with 503', async () => {
    const chat = await start({ maxConnections: 2 });
    await open(chat.url);
    await open(chat.url);
    assert.equal(await upgradeStatus(chat.url), 503);
  });
});

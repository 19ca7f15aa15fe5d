import type { FastifyInstance, FastifyReply } from 'fastify';
import { RecentCount } from '../../../../kit/observe/recent-count.ts';
import type { SystemModule } from '../../../../kit/platform.ts';
import { docsLink } from '../../../../kit/web/docs-route.ts';
import { mountPage } from '../../../../kit/web/page-route.ts';
import { MESSAGE_MAX_LENGTH, NAME_MAX_LENGTH } from '../../domain/chat-rules.ts';
import { toWireTimestamp } from '../../domain/timestamp.ts';
import { ChatSession } from '../roles/chat-session.ts';
import { BrokerUnreachableError, ClientClosedError } from '../roles/lazy-pirate-client.ts';
import type { ChatMessage } from '../wire/chat-message.ts';
import { ChatHistory } from './chat-history.ts';
import { openFeed } from './chat-feed.ts';
import { CHAT_ZMQ_BODY, CHAT_ZMQ_STYLES } from './chat-zmq-page.ts';
import { offerZmqDoor, withdrawDoor } from '../../bridge/roles/embedded-bridge.ts';
import { type EmbeddedChatZmq, NoSuchServerError, ServerStateError, startEmbeddedChatZmq } from './embedded-chat-zmq.ts';
import { SessionPool } from './session-pool.ts';
import { StateCache } from './state-cache.ts';

export type { ChatZmqState } from './state-cache.ts';

/** Users with a session kept open; logging in as one more closes the least recently used. */
const MAX_SESSIONS = 50;
/** A session with no page open closes after this long without a request; with its last page closed, after SESSION_GONE_MS. */
const SESSION_IDLE_MS = 60_000;
const SESSION_GONE_MS = 5_000;
/** Live feeds (SSE streams) open at once, and topics each may follow. */
const MAX_STREAMS = 64;
const MAX_STREAM_CHANNELS = 32;
/** A name or a message with its JSON escaping fits; anything larger is refused before it is parsed. */
const BODY_LIMIT = 4 * MESSAGE_MAX_LENGTH + 1_024;
const REQUEST_TIMEOUT_MS = 1_500;
const REQUEST_RETRIES = 3;
const PEER_TIMEOUT_MS = 1_000;

const CONTROL_CHARACTER = /\p{Cc}/u;

const nameSchema = { type: 'string', minLength: 1, maxLength: NAME_MAX_LENGTH };
const messageSchema = { type: 'string', minLength: 1, maxLength: MESSAGE_MAX_LENGTH };
const bodySchema = (properties: Record<string, object>, required: string[]) => ({
  body: { type: 'object', properties, required, additionalProperties: false },
});

/** The ZeroMQ chat as a platform module: the whole cluster in this process, a chat page and its servers' table under /chat-zmq/. */
export function chatZmqModule(): SystemModule {
  let system: EmbeddedChatZmq | undefined;
  let sessions: SessionPool | undefined;
  let observer: ChatSession | undefined;
  let cache: StateCache | undefined;
  const requests = new RecentCount();
  const streams = new Set<() => void>();
  const close = async () => {
    for (const end of [...streams]) end();
    await withdrawDoor('zmq');
    await sessions?.close();
    await observer?.close();
    await system?.close();
  };
  return {
    name: 'chat-zmq',
    title: 'Chat — ZeroMQ front door',
    async mount(app, { log }) {
      system = await startEmbeddedChatZmq({ log });
      try {
        await routes(app, system);
        await offerZmqDoor({ broker: system.broker, proxy: system.proxy });
      } catch (err) {
        await close(); // `up` closes only the modules that mounted
        throw err;
      }
    },
    notes: () => (system ? [`terminal client: mensageiro chat zmq client --broker ${system.broker} --proxy ${system.proxy}`] : []),
    async health() {
      const state = await cache?.get();
      if (!state) return { healthy: false, summary: 'not started' };
      const up = state.servers.filter((server) => server.up).length;
      const count = requests.total();
      const coordinator = state.coordinator ? '' : ' · electing a coordinator';
      return { healthy: up === state.servers.length && state.coordinator !== null, summary: `${up} of ${state.servers.length} servers up${coordinator} · ${count} ${count === 1 ? 'request' : 'requests'} in the last minute` };
    },
    close,
  };

  async function routes(app: FastifyInstance, running: EmbeddedChatZmq): Promise<void> {
    const open = () => ChatSession.open({ broker: running.broker, proxy: running.proxy, timeoutMs: REQUEST_TIMEOUT_MS, retries: REQUEST_RETRIES });
    const pool = new SessionPool(open, { max: MAX_SESSIONS, idleMs: SESSION_IDLE_MS, goneMs: SESSION_GONE_MS });
    sessions = pool;
    const reader = await ChatSession.open({ broker: running.broker, proxy: running.proxy, timeoutMs: REQUEST_TIMEOUT_MS, retries: 1 });
    observer = reader;
    const state = new StateCache(running, reader, () => ({ sessions: pool.size, online: pool.online(), feeds: streams.size }));
    cache = state;
    const history = new ChatHistory((message) =>
      running.askAnyServer({ service: message.service, data: { ...message.data, timestamp: toWireTimestamp(Date.now()), clock: 0 } }, PEER_TIMEOUT_MS),
    );
    const written = () => {
      requests.add();
      state.invalidate();
    };

    // SSE streams never end on their own: end them before the server waits for open connections.
    app.addHook('preClose', async () => {
      for (const end of [...streams]) end();
    });

    mountPage(app, {
      title: 'mensageiro · chat over ZeroMQ',
      here: 'Chat over ZeroMQ',
      docs: docsLink('chat-zmq'),
      styles: CHAT_ZMQ_STYLES,
      body: CHAT_ZMQ_BODY,
      script: new URL('./chat-zmq-page.browser.js', import.meta.url),
    });
    app.get('/state', async () => state.get());

    app.post('/login', { bodyLimit: BODY_LIMIT, schema: bodySchema({ user: nameSchema }, ['user']) }, async (request, reply) => {
      const { user } = request.body as { user: string };
      return forward(reply, await pool.get(user), 'login', { user }, written);
    });
    app.post('/logout', { bodyLimit: BODY_LIMIT, schema: bodySchema({ user: nameSchema }, ['user']) }, async (request) => {
      const { user } = request.body as { user: string };
      return { user, ended: await pool.end(user) };
    });
    app.post('/channel', { bodyLimit: BODY_LIMIT, schema: bodySchema({ channel: nameSchema, user: nameSchema }, ['channel']) }, async (request, reply) => {
      const { channel, user } = request.body as { channel: string; user?: string };
      return forward(reply, user === undefined ? reader : await pool.get(user), 'channel', { channel }, written);
    });
    app.post('/publish', { bodyLimit: BODY_LIMIT, schema: bodySchema({ user: nameSchema, channel: nameSchema, message: messageSchema }, ['user', 'channel', 'message']) }, async (request, reply) => {
      const { user, channel, message } = request.body as { user: string; channel: string; message: string };
      return forward(reply, await pool.get(user), 'publish', { user, channel, message }, written);
    });
    app.post('/message', { bodyLimit: BODY_LIMIT, schema: bodySchema({ src: nameSchema, dst: nameSchema, message: messageSchema }, ['src', 'dst', 'message']) }, async (request, reply) => {
      const { src, dst, message } = request.body as { src: string; dst: string; message: string };
      return forward(reply, await pool.get(src), 'message', { src, dst, message }, written);
    });

    const serverAction = (action: 'stop' | 'start') => async (request: { params: unknown }, reply: FastifyReply) => {
      const { name } = request.params as { name: string };
      try {
        await (action === 'stop' ? running.stopServer(name) : running.startServer(name));
        state.invalidate();
        return { server: name, up: action === 'start' };
      } catch (err) {
        if (err instanceof NoSuchServerError) return reply.status(404).send({ error: err.message, code: 'NO_SUCH_SERVER' });
        if (err instanceof ServerStateError) return reply.status(409).send({ error: err.message, code: 'SERVER_STATE' });
        throw err;
      }
    };
    const serverParams = { params: { type: 'object', properties: { name: { type: 'string', maxLength: NAME_MAX_LENGTH } }, required: ['name'] } };
    app.post('/servers/:name/stop', { bodyLimit: 1_024, schema: serverParams }, serverAction('stop'));
    app.post('/servers/:name/start', { bodyLimit: 1_024, schema: serverParams }, serverAction('start'));

    app.get(
      '/events',
      { schema: { querystring: { type: 'object', properties: { user: nameSchema, channels: { type: 'string', maxLength: MAX_STREAM_CHANNELS * (NAME_MAX_LENGTH * 12 + 1) } }, required: ['user'] } } },
      async (request, reply) => {
        const query = request.query as { user: string; channels?: string };
        const { user } = query;
        const channels = channelList(query.channels ?? '');
        if (typeof channels === 'string') return reply.status(400).send({ error: channels, code: 'BAD_CHANNELS' });
        const bad = [user, ...channels].find((topic) => CONTROL_CHARACTER.test(topic));
        if (bad !== undefined) return reply.status(400).send({ error: 'names must not contain control characters', code: 'BAD_NAME' });
        if (streams.size >= MAX_STREAMS) return reply.status(503).send({ error: `${MAX_STREAMS} live feeds are open already: close a page and try again`, code: 'BUSY' });
        // A page open is a user online: the feed keeps the user's session, and its end lets it close.
        await pool.get(user);
        pool.feedOpened(user);
        reply.hijack();
        const end = openFeed(reply.raw, {
          proxy: running.proxy,
          user,
          channels,
          history: (topics) => history.recent(topics),
          observe: (clock) => pool.peek(user)?.clock.observe(clock),
          onEnd: () => {
            streams.delete(end);
            pool.feedClosed(user);
          },
        });
        streams.add(end);
        // The response's close, not the request's: a request closes once read, the response when the client goes.
        reply.raw.once('close', end);
        if (reply.raw.destroyed) end(); // gone before we got here
      },
    );
  }
}

/**
 * Sends the request through the user's session: 200 with the server's reply (and `written` called, so that
 * /state shows the change at once), 422 with its reason, 503 when no server answers.
 */
async function forward(reply: FastifyReply, session: ChatSession, service: string, data: Record<string, unknown>, written: () => void): Promise<unknown> {
  let answer: ChatMessage;
  try {
    answer = await session.call(service, data);
  } catch (err) {
    if (err instanceof BrokerUnreachableError) {
      return reply.status(503).send({ error: `no chat server answered through the broker after ${REQUEST_RETRIES + 1} tries: start a server in the table`, code: 'UNAVAILABLE' });
    }
    if (err instanceof ClientClosedError) return reply.status(503).send({ error: 'the session was closed while the request waited: send it again', code: 'UNAVAILABLE' });
    throw err;
  }
  if (answer.data.status === 'erro' || answer.service === 'erro') {
    const reason = [answer.data.description, answer.data.message].find((text) => typeof text === 'string' && text !== '');
    return reply.status(422).send({ error: (reason as string | undefined) ?? `the server refused ${service} without saying why`, code: 'REFUSED', reply: answer });
  }
  written();
  return answer;
}

/** `a,b%2Cc` → ['a', 'b,c']: items are split on commas, then each is percent-decoded (so a name may hold a comma). */
function channelList(text: string): string[] | string {
  const items = text.split(',').filter((item) => item !== '');
  if (items.length > MAX_STREAM_CHANNELS) return `follow at most ${MAX_STREAM_CHANNELS} channels in one feed, got ${items.length}`;
  const channels = items.map((item) => {
    try {
      return decodeURIComponent(item);
    } catch {
      return item;
    }
  });
  const long = channels.find((channel) => [...channel].length > NAME_MAX_LENGTH);
  if (long !== undefined) return `a channel name has at most ${NAME_MAX_LENGTH} characters: "${long.slice(0, 20)}…"`;
  return [...new Set(channels)];
}

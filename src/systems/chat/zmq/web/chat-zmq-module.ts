import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ZmtpSubscriber } from '../../../../kit/zmtp/zmtp-subscriber.ts';
import type { SystemModule } from '../../../../kit/platform.ts';
import { MESSAGE_MAX_LENGTH, NAME_MAX_LENGTH } from '../../domain/chat-rules.ts';
import { parseTimestamp } from '../../domain/timestamp.ts';
import { ChatSession } from '../roles/chat-session.ts';
import { BrokerUnreachableError, ClientClosedError } from '../roles/lazy-pirate-client.ts';
import type { ChatMessage } from '../wire/chat-message.ts';
import { decodePublication } from '../wire/publication.ts';
import { type EmbeddedChatZmq, NoSuchServerError, type PeerStatus, ServerStateError, type ServerView, startEmbeddedChatZmq } from './embedded-chat-zmq.ts';
import { chatZmqPage } from './chat-zmq-page.ts';

/** Users with a session kept open; logging in as one more closes the least recently used. */
const MAX_SESSIONS = 50;
/** Live feeds (SSE streams) open at once, and topics each may follow. */
const MAX_STREAMS = 64;
const MAX_STREAM_CHANNELS = 32;
/** A feed whose client reads slower than this much buffered output loses publications until it catches up. */
const MAX_STREAM_BUFFERED_BYTES = 256 * 1024;
/**
 * A new subscription travels SUB → proxy XPUB → XSUB → each server's PUB before publications on it flow; the
 * feed says "ready" after this long, so that a page publishing on "ready" does not lose its first message.
 */
const SUBSCRIPTION_SETTLE_MS = 200;
const KEEPALIVE_MS = 15_000;
/** A name or a message with its JSON escaping fits; anything larger is refused before it is parsed. */
const BODY_LIMIT = 4 * MESSAGE_MAX_LENGTH + 1_024;
const REQUEST_TIMEOUT_MS = 1_500;
const REQUEST_RETRIES = 3;
/** /state polled by several pages asks the servers once per this long. */
const STATE_FRESH_MS = 400;

const CONTROL_CHARACTER = /\p{Cc}/u;

const nameSchema = { type: 'string', minLength: 1, maxLength: NAME_MAX_LENGTH };
const messageSchema = { type: 'string', minLength: 1, maxLength: MESSAGE_MAX_LENGTH };
const bodySchema = (properties: Record<string, object>, required: string[]) => ({
  body: { type: 'object', properties, required, additionalProperties: false },
});

export interface ChatZmqState {
  servers: Array<ServerView & { rank: number | null }>;
  /** The coordinator every running server follows, or null while they disagree or it is down (an election is on). */
  coordinator: string | null;
  users: string[] | null;
  channels: string[] | null;
  /** Why users and channels are missing. */
  listError?: string;
  /** Users with a ChatSession open here, and live feeds (SSE streams) open. */
  sessions: number;
  feeds: number;
}

/** The ZeroMQ chat as a platform module: the whole cluster in this process, a chat page and its servers' table under /chat-zmq/. */
export function chatZmqModule(): SystemModule {
  let system: EmbeddedChatZmq | undefined;
  let sessions: SessionPool | undefined;
  let observer: ChatSession | undefined;
  const streams = new Set<() => void>();
  const close = async () => {
    for (const end of [...streams]) end();
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
      } catch (err) {
        await close(); // `up` closes only the modules that mounted
        throw err;
      }
    },
    notes: () => (system ? [`terminal client: mensageiro chat zmq client --broker ${system.broker} --proxy ${system.proxy}`] : []),
    close,
  };

  async function routes(app: FastifyInstance, running: EmbeddedChatZmq): Promise<void> {
    const open = () => ChatSession.open({ broker: running.broker, proxy: running.proxy, timeoutMs: REQUEST_TIMEOUT_MS, retries: REQUEST_RETRIES });
    const pool = new SessionPool(open, MAX_SESSIONS);
    sessions = pool;
    const reader = await ChatSession.open({ broker: running.broker, proxy: running.proxy, timeoutMs: REQUEST_TIMEOUT_MS, retries: 1 });
    observer = reader;
    const state = new StateCache(running, reader, () => ({ sessions: pool.size, feeds: streams.size }));
    const page = chatZmqPage(app.prefix);

    // SSE streams never end on their own: end them before the server waits for open connections.
    app.addHook('preClose', async () => {
      for (const end of [...streams]) end();
    });

    app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
    app.get('/state', async () => state.get());

    app.post('/login', { bodyLimit: BODY_LIMIT, schema: bodySchema({ user: nameSchema }, ['user']) }, async (request, reply) => {
      const { user } = request.body as { user: string };
      return forward(reply, await pool.get(user), 'login', { user }, state.invalidate);
    });
    app.post('/channel', { bodyLimit: BODY_LIMIT, schema: bodySchema({ channel: nameSchema, user: nameSchema }, ['channel']) }, async (request, reply) => {
      const { channel, user } = request.body as { channel: string; user?: string };
      return forward(reply, user === undefined ? reader : await pool.get(user), 'channel', { channel }, state.invalidate);
    });
    app.post('/publish', { bodyLimit: BODY_LIMIT, schema: bodySchema({ user: nameSchema, channel: nameSchema, message: messageSchema }, ['user', 'channel', 'message']) }, async (request, reply) => {
      const { user, channel, message } = request.body as { user: string; channel: string; message: string };
      return forward(reply, await pool.get(user), 'publish', { user, channel, message }, state.invalidate);
    });
    app.post('/message', { bodyLimit: BODY_LIMIT, schema: bodySchema({ src: nameSchema, dst: nameSchema, message: messageSchema }, ['src', 'dst', 'message']) }, async (request, reply) => {
      const { src, dst, message } = request.body as { src: string; dst: string; message: string };
      return forward(reply, await pool.get(src), 'message', { src, dst, message }, state.invalidate);
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
        const channels = channelList(query.channels ?? '');
        if (typeof channels === 'string') return reply.status(400).send({ error: channels, code: 'BAD_CHANNELS' });
        const bad = [query.user, ...channels].find((topic) => CONTROL_CHARACTER.test(topic));
        if (bad !== undefined) return reply.status(400).send({ error: 'names must not contain control characters', code: 'BAD_NAME' });
        if (streams.size >= MAX_STREAMS) return reply.status(503).send({ error: `${MAX_STREAMS} live feeds are open already: close a page and try again`, code: 'BUSY' });
        reply.hijack();
        const end = openFeed(reply.raw, running.proxy, query.user, channels, (clock) => pool.peek(query.user)?.clock.observe(clock), () => streams.delete(end));
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

/** What the page's feed shows for one publication. */
interface FeedEvent {
  kind: 'channel' | 'dm';
  topic: string;
  channel?: string;
  /** Who wrote it. */
  user: string;
  message: string;
  /** ms since the epoch, from the publication's timestamp. */
  at: number | null;
  clock: number | null;
}

function feedEvent(topic: string, payload: Record<string, unknown>): FeedEvent | undefined {
  const { message, clock } = payload;
  if (typeof message !== 'string') return undefined; // the servers' own topic (elections) shares the proxy
  const at = parseTimestamp(payload.timestamp) ?? null;
  const lamport = typeof clock === 'number' ? clock : null;
  if (typeof payload.channel === 'string' && typeof payload.user === 'string') {
    return { kind: 'channel', topic, channel: payload.channel, user: payload.user, message, at, clock: lamport };
  }
  if (typeof payload.from === 'string') return { kind: 'dm', topic, user: payload.from, message, at, clock: lamport };
  return undefined;
}

/**
 * A live feed: its own SUB socket on the proxy, following the user's name (direct messages) and the channels,
 * written out as Server-Sent Events. Returns the function that ends it (idempotent).
 */
function openFeed(raw: ServerResponse, proxy: string, user: string, channels: string[], observe: (clock: unknown) => void, onEnd: () => void): () => void {
  const topics = [user, ...channels.filter((channel) => channel !== user)];
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  raw.write('retry: 2000\n\n');
  let dropped = 0;
  const send = (event: string, data: unknown) => {
    if (raw.writableLength > MAX_STREAM_BUFFERED_BYTES) {
      dropped++;
      return;
    }
    raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const subscriber = new ZmtpSubscriber({
    endpoint: proxy,
    onMessage: (frames) => {
      const publication = decodePublication(frames);
      if (!publication || !topics.includes(publication.topic)) return;
      const event = feedEvent(publication.topic, publication.payload);
      if (!event) return;
      observe(publication.payload.clock);
      send('publication', event);
    },
  });
  for (const topic of topics) subscriber.subscribe(topic);
  const settle = setTimeout(() => send('ready', { user, channels }), SUBSCRIPTION_SETTLE_MS);
  const keepalive = setInterval(() => raw.write(`: keepalive, ${dropped} dropped\n\n`), KEEPALIVE_MS);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    clearTimeout(settle);
    clearInterval(keepalive);
    subscriber.close();
    raw.end();
    onEnd();
  };
  return end;
}

/** One ChatSession per user name, least recently used first out beyond `max`. */
class SessionPool {
  readonly #sessions = new Map<string, ChatSession>();

  constructor(
    private readonly open: () => Promise<ChatSession>,
    private readonly max: number,
  ) {}

  async get(user: string): Promise<ChatSession> {
    const known = this.#take(user);
    if (known) return known;
    const session = await this.open();
    const raced = this.#take(user);
    if (raced) {
      void session.close();
      return raced;
    }
    this.#sessions.set(user, session);
    for (const [oldest, evicted] of this.#sessions) {
      if (this.#sessions.size <= this.max) break;
      this.#sessions.delete(oldest);
      void evicted.close();
    }
    return session;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** The user's session if one is open, without touching its place in line. */
  peek(user: string): ChatSession | undefined {
    return this.#sessions.get(user);
  }

  async close(): Promise<void> {
    const all = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.allSettled(all.map((session) => session.close()));
  }

  #take(user: string): ChatSession | undefined {
    const session = this.#sessions.get(user);
    if (!session) return undefined;
    this.#sessions.delete(user);
    this.#sessions.set(user, session);
    return session;
  }
}

/** The servers' table and the users and channels, asked for at most once per STATE_FRESH_MS however many pages poll. */
class StateCache {
  readonly #lastStatus = new Map<string, PeerStatus>();
  #current: Promise<Omit<ChatZmqState, 'sessions' | 'feeds'>> | undefined;
  #takenAt = 0;
  #pending = false;

  constructor(
    private readonly system: EmbeddedChatZmq,
    private readonly reader: ChatSession,
    private readonly counts: () => Pick<ChatZmqState, 'sessions' | 'feeds'>,
  ) {}

  async get(): Promise<ChatZmqState> {
    // While one look is under way (it can take seconds with every server down) callers share it, so they never queue up.
    if (!this.#current || (!this.#pending && Date.now() - this.#takenAt > STATE_FRESH_MS)) {
      const taking = this.#take();
      this.#current = taking;
      this.#takenAt = Date.now();
      this.#pending = true;
      const settled = () => {
        if (this.#current === taking) this.#pending = false;
      };
      taking.then(settled, settled);
    }
    return { ...(await this.#current), ...this.counts() };
  }

  /** After a write: the next get() asks again. */
  readonly invalidate = (): void => {
    this.#current = undefined;
  };

  async #take(): Promise<Omit<ChatZmqState, 'sessions' | 'feeds'>> {
    const [views, lists] = await Promise.all([this.system.servers(), this.#lists()]);
    for (const view of views) if (view.status) this.#lastStatus.set(view.name, view.status);
    const servers = views.map((view) => ({ ...view, rank: view.status?.rank ?? this.#lastStatus.get(view.name)?.rank ?? null }));
    const followed = new Set(servers.filter((server) => server.up).map((server) => server.status?.coordinator ?? null));
    const [only] = followed;
    const coordinator = followed.size === 1 && typeof only === 'string' && servers.some((server) => server.name === only && server.up) ? only : null;
    return { servers, coordinator, ...lists };
  }

  async #lists(): Promise<Pick<ChatZmqState, 'users' | 'channels' | 'listError'>> {
    try {
      return { users: await this.reader.users(), channels: await this.reader.channels() };
    } catch (err) {
      return { users: null, channels: null, listError: `no server answered users and channels: ${(err as Error).message}` };
    }
  }
}

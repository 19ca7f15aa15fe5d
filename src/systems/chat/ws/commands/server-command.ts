import { hostname } from 'node:os';
import type { Bus } from '../../../../kit/bus/bus.ts';
import { createBus } from '../../../../kit/bus/registry.ts';
import { type CliIo, UsageError, durationOption, parseOptions, portOption, positiveInteger, positiveNumber, redactUrl } from '../../../../kit/cli/args.ts';
import { closeHttpServer } from '../../../../kit/observe/http-server.ts';
import { ensureCanListen } from '../../../../kit/observe/listen-error.ts';
import { createLogger } from '../../../../kit/observe/log.ts';
import { untilSignal } from '../../../../kit/runtime/signals.ts';
import * as limits from '../domain/limits.ts';
import { ChatHub } from '../roles/chat-hub.ts';
import { DEFAULT_CHANNEL } from '../roles/instance-fanout.ts';
import { TokenAuth, secretFromEnv } from '../roles/token-auth.ts';
import { startChatServer } from '../web/chat-ws-server.ts';
import { STORE_CHOICES, defaultPresence, openChatStore, openPresence, schemaOption } from './backends.ts';
import { ChatWsCommandError } from './common.ts';

export const SERVER_HELP = `usage: mensageiro chat ws server [--port 8081] [--instance s1] [--bus redis://127.0.0.1:6379] [--store memory]
                               [--anonymous] [options]

One instance of the WebSocket chat: GET /ws (the reference's JSON protocol), GET / (the chat page),
GET /health and GET /metrics. Room traffic reaches the other instances through the bus's topic
(Redis Pub/Sub on the reference's channel); presence lives in Redis with an expiry.

  --port N               port to listen on (default 8081)
  --host ADDR            address to bind (default 0.0.0.0)
  --instance ID          this instance's id, unique in the cluster (default <hostname>-<pid>)
  --bus URL              memory:// (one instance alone) or redis://… (default $MENSAGEIRO_BUS_URL, else memory://)
  --store VALUE          the message log and history: ${STORE_CHOICES}
  --schema NAME          the PostgreSQL schema with --store postgres://… (default public)
  --presence VALUE       memory or a Redis URL (default: the bus's Redis; memory with the memory bus)
  --channel NAME         the bus topic instances share (default ${DEFAULT_CHANNEL})
  --key-prefix TEXT      before presence and message stream keys in Redis (default gosocket:)
  --presence-ttl DUR     a killed instance's users leave presence lists within this (default 30s)
  --anonymous            clients name themselves with a user object; otherwise each needs a JWT (HS256)
                         signed with $MENSAGEIRO_CHAT_JWT_SECRET: ?token=, Authorization: Bearer, or
                         the subprotocols "chat" and "bearer.<token>"
  --rate N               frames a second a connection may send (default ${limits.RATE_PER_SECOND})
  --burst N              frames it may send at once (default ${limits.RATE_BURST})
  --ping-interval DUR    ping every connection this often (default 54s)
  --pong-wait DUR        cut a connection silent for this long (default 60s)
  --max-connections N    upgrades beyond this get 503 (default ${limits.MAX_CONNECTIONS})
`;

export async function serverCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro chat ws server --help';
  const { values } = parseOptions(argv, help, {
    port: { type: 'string' },
    host: { type: 'string' },
    instance: { type: 'string' },
    bus: { type: 'string' },
    store: { type: 'string' },
    schema: { type: 'string' },
    presence: { type: 'string' },
    channel: { type: 'string' },
    'key-prefix': { type: 'string' },
    'presence-ttl': { type: 'string' },
    anonymous: { type: 'boolean' },
    rate: { type: 'string' },
    burst: { type: 'string' },
    'ping-interval': { type: 'string' },
    'pong-wait': { type: 'string' },
    'max-connections': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(SERVER_HELP);
    return 0;
  }
  const port = portOption('--port', values.port ?? '8081', help);
  const host = values.host ?? '0.0.0.0';
  const instanceId = values.instance ?? `${hostname()}-${process.pid}`;
  if (!/^[\w.-]{1,64}$/.test(instanceId)) throw new UsageError(`--instance takes letters, digits, "_", "." and "-" (up to 64), got "${instanceId}"`, help);
  const busUrl = values.bus ?? process.env.MENSAGEIRO_BUS_URL ?? 'memory://';
  const presenceValue = values.presence ?? defaultPresence(busUrl);
  if (presenceValue === undefined) throw new UsageError(`with --bus ${redactUrl(busUrl)} presence needs its own Redis: add --presence redis://host:6379`, help);
  const pingIntervalMs = durationOption('--ping-interval', values['ping-interval'] ?? '54s', help);
  const pongWaitMs = durationOption('--pong-wait', values['pong-wait'] ?? '60s', help);
  if (pingIntervalMs >= pongWaitMs) throw new UsageError('--ping-interval must be shorter than --pong-wait, or live clients are cut between two pings', help);
  const rate = { perSecond: positiveNumber('--rate', values.rate ?? String(limits.RATE_PER_SECOND), help), burst: positiveInteger('--burst', values.burst ?? String(limits.RATE_BURST), help) };
  const maxConnections = positiveInteger('--max-connections', values['max-connections'] ?? String(limits.MAX_CONNECTIONS), help);
  const presenceTtlMs = durationOption('--presence-ttl', values['presence-ttl'] ?? '30s', help);
  let auth: TokenAuth | undefined;
  if (!values.anonymous) {
    const secret = secretFromEnv();
    if ('problem' in secret) throw new UsageError(secret.problem, help);
    auth = new TokenAuth(secret.secret);
  }
  const where = { port, host, command: 'mensageiro chat ws server' };
  await ensureCanListen(where);

  const log = createLogger(`chat-ws:${instanceId}`);
  const keyPrefix = values['key-prefix'] ?? 'gosocket:';
  const store = await openChatStore(values.store ?? 'memory', { busUrl, keyPrefix, schema: schemaOption(values.schema, help) });
  let bus: Bus | undefined;
  const cleanups: Array<() => Promise<void>> = [() => store.close()];
  try {
    try {
      bus = await createBus(busUrl);
    } catch (err) {
      throw new ChatWsCommandError(`the bus at ${redactUrl(busUrl)} is not reachable: ${(err as Error).message}`);
    }
    const openedBus = bus;
    cleanups.unshift(() => openedBus.close());
    const presence = await openPresence(presenceValue, { instanceId, keyPrefix, ttlMs: presenceTtlMs });
    cleanups.unshift(() => presence.release());
    const hub = await ChatHub.start({
      instanceId,
      bus,
      channel: values.channel ?? DEFAULT_CHANNEL,
      messageLog: store.messageLog,
      history: store.history,
      presence: presence.presence,
      anonymous: values.anonymous === true,
      connection: { rate, pongWaitMs },
      pingIntervalMs,
      log,
    });
    cleanups.unshift(() => hub.close());
    const { app, port: bound } = await startChatServer(hub, { port, host, auth, maxConnections });
    cleanups.unshift(() => closeHttpServer(app));
    io.stdout.write(`chat ws server ${instanceId} listening on http://127.0.0.1:${bound} (WebSocket /ws, bus ${redactUrl(busUrl)}, messages ${store.description}, ${auth ? 'JWT' : 'anonymous'}); Ctrl-C stops it\n`);
    const signal = await untilSignal();
    io.stdout.write(`chat ws server ${instanceId}: ${signal}, stopping\n`);
    return 0;
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((err: unknown) => log.warn('a part did not close cleanly', { err }));
  }
}

import type { Bus } from '../../../../kit/bus/bus.ts';
import { createBus } from '../../../../kit/bus/registry.ts';
import { type CliIo, UsageError, durationOption, parseOptions, redactUrl } from '../../../../kit/cli/args.ts';
import { createLogger } from '../../../../kit/observe/log.ts';
import { untilSignal } from '../../../../kit/runtime/signals.ts';
import { RedisLease } from '../../../../kit/store/lease.ts';
import { openRedis } from '../../../../kit/store/redis-client.ts';
import { DoorBridge } from '../../bridge/roles/door-bridge.ts';
import { ChatSession } from '../../zmq/roles/chat-session.ts';
import { tcpEndpoint } from '../../zmq/commands/endpoints.ts';
import { DEFAULT_CHANNEL } from '../roles/instance-fanout.ts';
import { STORE_CHOICES, openChatStore, openPresence, schemaOption } from './backends.ts';
import { ChatWsCommandError } from './common.ts';

export const BRIDGE_HELP = `usage: mensageiro chat ws bridge --bus redis://127.0.0.1:6379 [--broker tcp://127.0.0.1:5555]
                               [--proxy tcp://127.0.0.1:5558] [--instance bridge] [options]

Joins the WebSocket chat (its instances on --bus) and the ZeroMQ chat (its broker and proxy): a room is the
channel of the same name, and a message said on either side reaches the other's subscribers once. A ZeroMQ
user N is the WebSocket user "zmq:N"; a WebSocket user is its username on the ZeroMQ side. One bridge per
pair of doors: it holds a lease in the bus's Redis, and a second one refuses to start while it lives.

  --bus URL              the WebSocket instances' Redis (default $MENSAGEIRO_BUS_URL)
  --broker URL           the ZeroMQ broker's port for clients (default tcp://127.0.0.1:5555)
  --proxy URL            the ZeroMQ proxy's port for subscribers (default tcp://127.0.0.1:5558)
  --instance ID          the bridge's id on the bus (default bridge)
  --store VALUE          where ZeroMQ messages are accepted for the WebSocket side: ${STORE_CHOICES}
  --schema NAME          the PostgreSQL schema with --store postgres://… (default public)
  --channel NAME         the bus topic the instances share (default ${DEFAULT_CHANNEL})
  --key-prefix TEXT      before presence, lease and message stream keys in Redis (default gosocket:)
  --presence-ttl DUR     as the servers' (default 30s)
`;

/** How long the lease outlives a bridge that stopped renewing it (a killed one). */
const LEASE_TTL_MS = 10_000;

export async function bridgeCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro chat ws bridge --help';
  const { values } = parseOptions(argv, help, {
    bus: { type: 'string' },
    broker: { type: 'string' },
    proxy: { type: 'string' },
    instance: { type: 'string' },
    store: { type: 'string' },
    schema: { type: 'string' },
    channel: { type: 'string' },
    'key-prefix': { type: 'string' },
    'presence-ttl': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(BRIDGE_HELP);
    return 0;
  }
  const busUrl = values.bus ?? process.env.MENSAGEIRO_BUS_URL ?? '';
  if (!/^(redis|rediss|redis\+unix):\/\//.test(busUrl)) throw new UsageError(`--bus takes the WebSocket instances' Redis (redis://host:6379), got "${redactUrl(busUrl)}"`, help);
  const broker = tcpEndpoint('--broker', values.broker ?? 'tcp://127.0.0.1:5555', help);
  const proxy = tcpEndpoint('--proxy', values.proxy ?? 'tcp://127.0.0.1:5558', help);
  const instanceId = values.instance ?? 'bridge';
  if (!/^[\w.-]{1,64}$/.test(instanceId)) throw new UsageError(`--instance takes letters, digits, "_", "." and "-" (up to 64), got "${instanceId}"`, help);
  const keyPrefix = values['key-prefix'] ?? 'gosocket:';
  const ttlMs = durationOption('--presence-ttl', values['presence-ttl'] ?? '30s', help);

  const log = createLogger(`chat-bridge:${instanceId}`);
  const store = await openChatStore(values.store ?? 'memory', { busUrl, keyPrefix, schema: schemaOption(values.schema, help) });
  const cleanups: Array<() => Promise<void>> = [() => store.close()];
  try {
    const redis = await openRedis(busUrl, `mensageiro:chat-bridge:${instanceId}`).catch((err: Error) => {
      throw new ChatWsCommandError(`the bus at ${redactUrl(busUrl)} is not reachable: ${err.message}`);
    });
    cleanups.unshift(async () => void (await redis.quit().catch(() => redis.disconnect())));
    const leaseKey = `${keyPrefix}bridge`;
    const lease = new RedisLease(redis, leaseKey, instanceId, LEASE_TTL_MS);
    if (!(await lease.acquire())) {
      const holder = await redis.get(leaseKey);
      throw new ChatWsCommandError(`another bridge (${holder ?? 'gone now'}) holds ${leaseKey}: one bridge joins a pair of doors, or both would deliver each message; it is free within ${LEASE_TTL_MS / 1000} s of that one stopping`);
    }
    cleanups.unshift(() => lease.release());
    const bus: Bus = await createBus(busUrl);
    cleanups.unshift(() => bus.close());
    const presence = await openPresence(busUrl, { instanceId, keyPrefix, ttlMs });
    cleanups.unshift(() => presence.release());
    const session = await ChatSession.open({ broker, proxy });
    const bridge = await DoorBridge.start({ instanceId, bus, channel: values.channel ?? DEFAULT_CHANNEL, messageLog: store.messageLog, presence: presence.presence, session, log });
    cleanups.unshift(async () => {
      await bridge.close();
      await presence.presence.close();
    });
    io.stdout.write(`chat ws bridge ${instanceId} joining bus ${redactUrl(busUrl)} and ZeroMQ broker ${broker}, proxy ${proxy}, messages ${store.description}; Ctrl-C stops it\n`);
    const lost = new Promise<string>((resolve) => {
      const renew = setInterval(() => {
        lease.acquire().then(
          (held) => held || (clearInterval(renew), resolve('lease lost')),
          (err: unknown) => log.warn('the lease could not be renewed; trying again', { err }),
        );
      }, LEASE_TTL_MS / 3);
      renew.unref();
    });
    const why = await Promise.race([untilSignal(), lost]);
    io.stdout.write(`chat ws bridge ${instanceId}: ${why}, stopping (${JSON.stringify(bridge.stats())})\n`);
    return why === 'lease lost' ? 1 : 0;
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((err: unknown) => log.warn('a part did not close cleanly', { err }));
  }
}

import { type CliIo, UsageError, parseOptions, portOption } from '../../../kit/cli/args.ts';
import { ensureCanListen } from '../../../kit/observe/listen-error.ts';
import { createLogger } from '../../../kit/observe/log.ts';
import { parseRateLimit } from '../../../kit/resilience/keyed-rate-limiter.ts';
import { untilSignal } from '../../../kit/runtime/signals.ts';
import { API_PREFIX, startFleetApi } from '../roles/fleet-api.ts';
import { ENGINE_OPTION_HELP, ENGINE_OPTION_SPECS, FleetCommandError, RELAY_OPTION_HELP, RELAY_OPTION_SPECS, engineSettings, engineUrl, relaySettings } from './common.ts';

export const API_HELP = `usage: mensageiro fleet api [--port 8000] [--postgres URL] [--amqp URL] [--redis URL] [--no-relay]
                           [--rate-limit 10/20|off] [relay options]

The order API: POST ${API_PREFIX}/orders {id, price, tax, pickup?}, GET ${API_PREFIX}/orders/:id,
POST ${API_PREFIX}/orders/:id/cancel and /deliver, GET /health (PostgreSQL, RabbitMQ, Redis), /metrics.
Each order and its OrderCreated event are written in one transaction (the transactional outbox); the relay
in this process publishes the events to RabbitMQ.

  --port N              port to listen on (default 8000; 0 picks a free one)
  --host ADDR           address to bind (default 0.0.0.0)
  --redis URL           Redis, checked by /health (not checked when not given)
  --rate-limit R/B      requests a second and burst per client address (default 10/20); off for benches
  --no-relay            do not relay the outbox here: run "mensageiro fleet relay" beside it
${ENGINE_OPTION_HELP}${RELAY_OPTION_HELP}`;

export async function apiCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro fleet api --help';
  const { values } = parseOptions(argv, help, {
    port: { type: 'string' },
    host: { type: 'string' },
    redis: { type: 'string' },
    'rate-limit': { type: 'string' },
    'no-relay': { type: 'boolean' },
    ...ENGINE_OPTION_SPECS,
    ...RELAY_OPTION_SPECS,
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(API_HELP);
    return 0;
  }
  const port = portOption('--port', values.port ?? '8000', help);
  const host = values.host ?? '0.0.0.0';
  let rateLimit;
  try {
    rateLimit = parseRateLimit(values['rate-limit'] ?? '10/20');
  } catch (err) {
    throw new UsageError(`--rate-limit: ${(err as Error).message}`, help);
  }
  const engines = engineSettings(values, help);
  const redis = values.redis === undefined ? undefined : engineUrl('--redis', values.redis, ['redis:', 'rediss:'], help);
  const relayOptions = relaySettings(values, help);
  const where = { port, host, command: 'mensageiro fleet api' };
  await ensureCanListen(where);
  const log = createLogger('fleet.api');
  const api = await startFleetApi({ ...where, ...engines, redis, rateLimit, relay: !values['no-relay'], relayOptions, log }).catch((err: unknown) => {
    throw new FleetCommandError((err as Error).message, { cause: err });
  });
  try {
    io.stdout.write(`fleet api is up on ${api.url}${API_PREFIX}/orders (relay ${api.relay ? 'in this process' : 'off'}; Ctrl-C stops it)\n`);
    const signal = await untilSignal();
    io.stdout.write(`fleet api: ${signal}, stopping\n`);
    return 0;
  } finally {
    await api.close();
  }
}

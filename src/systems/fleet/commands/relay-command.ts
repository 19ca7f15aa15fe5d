import { type CliIo, parseOptions, portOption } from '../../../kit/cli/args.ts';
import { closeHttpServer, createHttpServer } from '../../../kit/observe/http-server.ts';
import { ensureCanListen, listenError } from '../../../kit/observe/listen-error.ts';
import { createLogger } from '../../../kit/observe/log.ts';
import { untilSignal } from '../../../kit/runtime/signals.ts';
import { AmqpOutboxPublisher } from '../roles/amqp-outbox-publisher.ts';
import { fleetHealth } from '../roles/health-checks.ts';
import { OutboxRelay } from '../roles/outbox-relay.ts';
import { openRelayStores } from '../store/fleet-stores.ts';
import { ENGINE_OPTION_HELP, ENGINE_OPTION_SPECS, FleetCommandError, RELAY_OPTION_HELP, RELAY_OPTION_SPECS, engineSettings, relaySettings } from './common.ts';

export const RELAY_HELP = `usage: mensageiro fleet relay [--postgres URL] [--amqp URL] [--port N] [relay options]

An outbox relay on its own, beside "mensageiro fleet api" (which runs one unless --no-relay): it claims
PENDING outbox rows with FOR UPDATE SKIP LOCKED, so relays share the rows without publishing one twice, and
publishes each event to the exchange with publisher confirms.

  --port N              serve /health (PostgreSQL, RabbitMQ, the relay's counts) and /metrics on this port
                        (default: none; 0 picks a free one)
${ENGINE_OPTION_HELP}${RELAY_OPTION_HELP}`;

export async function relayCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro fleet relay --help';
  const { values } = parseOptions(argv, help, { port: { type: 'string' }, ...ENGINE_OPTION_SPECS, ...RELAY_OPTION_SPECS, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    io.stdout.write(RELAY_HELP);
    return 0;
  }
  const engines = engineSettings(values, help);
  const options = relaySettings(values, help);
  const where = values.port === undefined ? undefined : { port: portOption('--port', values.port, help), host: '0.0.0.0', command: 'mensageiro fleet relay' };
  if (where) await ensureCanListen(where);
  const stores = await openRelayStores(engines.postgres, engines.schema, engines.poolSize).catch((err: unknown) => {
    throw new FleetCommandError((err as Error).message, { cause: err });
  });
  const publisher = new AmqpOutboxPublisher(engines.amqp, engines.topology);
  const relay = new OutboxRelay(stores.outbox, publisher, createLogger('fleet.relay'), options);
  const app = where && createHttpServer({ health: fleetHealth({ db: stores.db, publisher, relay }) });
  try {
    await relay.start();
    if (app && where) {
      await app.listen({ port: where.port, host: where.host }).catch((err: unknown) => {
        throw listenError(err, where);
      });
    }
    const address = app?.server.address();
    const served = address && typeof address === 'object' ? `; /health and /metrics on :${address.port}` : '';
    io.stdout.write(`fleet relay is running on schema ${engines.schema}${served} (Ctrl-C stops it)\n`);
    const signal = await untilSignal();
    const { published, retried, failed } = relay.stats();
    io.stdout.write(`fleet relay: ${signal}, stopping after ${published} published, ${retried} retried, ${failed} failed\n`);
    return 0;
  } finally {
    if (app) await closeHttpServer(app);
    await relay.stop();
    await publisher.close();
    await stores.close();
  }
}

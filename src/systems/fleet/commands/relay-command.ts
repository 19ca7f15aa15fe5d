import { type CliIo, parseOptions } from '../../../kit/cli/args.ts';
import { createLogger } from '../../../kit/observe/log.ts';
import { untilSignal } from '../../../kit/runtime/signals.ts';
import { AmqpOutboxPublisher } from '../roles/amqp-outbox-publisher.ts';
import { OutboxRelay } from '../roles/outbox-relay.ts';
import { openFleetStores } from '../store/fleet-stores.ts';
import { ENGINE_OPTION_HELP, ENGINE_OPTION_SPECS, FleetCommandError, RELAY_OPTION_HELP, RELAY_OPTION_SPECS, engineSettings, relaySettings } from './common.ts';

export const RELAY_HELP = `usage: mensageiro fleet relay [--postgres URL] [--amqp URL] [relay options]

An outbox relay on its own, beside "mensageiro fleet api" (which runs one unless --no-relay): it claims
PENDING outbox rows with FOR UPDATE SKIP LOCKED, so relays share the rows without publishing one twice, and
publishes each event to the exchange with publisher confirms.

${ENGINE_OPTION_HELP}${RELAY_OPTION_HELP}`;

export async function relayCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro fleet relay --help';
  const { values } = parseOptions(argv, help, { ...ENGINE_OPTION_SPECS, ...RELAY_OPTION_SPECS, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    io.stdout.write(RELAY_HELP);
    return 0;
  }
  const engines = engineSettings(values, help);
  const options = relaySettings(values, help);
  const stores = await openFleetStores({ postgres: engines.postgres, poolSize: engines.poolSize }, engines.schema).catch((err: unknown) => {
    throw new FleetCommandError((err as Error).message, { cause: err });
  });
  const publisher = new AmqpOutboxPublisher(engines.amqp, engines.topology);
  const relay = new OutboxRelay(stores.outbox, publisher, createLogger('fleet.relay'), options);
  try {
    await relay.start();
    io.stdout.write(`fleet relay is running on schema ${engines.schema} (Ctrl-C stops it)\n`);
    const signal = await untilSignal();
    const { published, retried, failed } = relay.stats();
    io.stdout.write(`fleet relay: ${signal}, stopping after ${published} published, ${retried} retried, ${failed} failed\n`);
    return 0;
  } finally {
    await relay.stop();
    await publisher.close();
    await stores.close();
  }
}

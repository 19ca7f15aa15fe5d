import { type CliIo, UsageError, durationOption, nonNegativeInteger, parseOptions, positiveNumber, redactUrl } from '../../../kit/cli/args.ts';
import { untilSignal } from '../../../kit/runtime/signals.ts';
import { DriverSimulator, REFERENCE_DRIVERS } from '../roles/driver-simulator.ts';
import { DEFAULT_DRIVERS_KEY } from '../store/driver-index.ts';
import { openIndexOrExplain, redisUrl } from './role-options.ts';

export const DRIVERS_HELP = `usage: mensageiro fleet drivers (--simulate N | --seed-drivers) [--redis URL] [--key ${DEFAULT_DRIVERS_KEY}]
                              [--tick 1s] [--step 15] [--spread 10]

Drivers for the fleet service to find, written to its Redis GEO set (GEOADD).
  --simulate N      N drivers (sim-driver-1…) on a random walk inside a box around the city of São Paulo;
                    they leave the map when this stops (Ctrl-C)
  --seed-drivers    place the two reference drivers, Joao-da-Silva (-23.55, -46.63) and Maria-Longe (-23.60, -46.70),
                    and leave them there; alone, it does only that and exits
  --redis URL       default MENSAGEIRO_REDIS_URL or redis://127.0.0.1:6379
  --key K           the GEO set's key (default ${DEFAULT_DRIVERS_KEY})
  --tick D          how often each driver moves (default 1s)
  --step M          longest move per tick, in metres (default 15: up to 54 km/h with 1s ticks)
  --spread KM       they start spread over this many km around the centre (default 10)
`;

export async function driversCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro fleet drivers --help';
  const { values } = parseOptions(argv, help, {
    simulate: { type: 'string' },
    'seed-drivers': { type: 'boolean' },
    redis: { type: 'string' },
    key: { type: 'string' },
    tick: { type: 'string' },
    step: { type: 'string' },
    spread: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(DRIVERS_HELP);
    return 0;
  }
  const count = values.simulate === undefined ? 0 : nonNegativeInteger('--simulate', values.simulate, help);
  if (count === 0 && !values['seed-drivers']) throw new UsageError('say which drivers: --simulate N (N moving drivers) or --seed-drivers (the two reference ones)', help);
  if (count > 100_000) throw new UsageError(`--simulate takes up to 100000 drivers, got ${count}`, help);
  const tickMs = durationOption('--tick', values.tick ?? '1s', help);
  const stepMeters = positiveNumber('--step', values.step ?? '15', help);
  const spreadKm = positiveNumber('--spread', values.spread ?? '10', help);
  const url = redisUrl(values.redis, help);
  const index = await openIndexOrExplain(url, values.key ?? DEFAULT_DRIVERS_KEY);
  try {
    if (values['seed-drivers']) {
      await index.add(REFERENCE_DRIVERS);
      io.stdout.write(`fleet drivers: ${REFERENCE_DRIVERS.map((d) => d.id).join(' and ')} placed in ${redactUrl(url)}\n`);
    }
    if (count === 0) return 0;
    const simulator = await DriverSimulator.start({ index, count, tickMs, stepMeters, spreadKm });
    io.stdout.write(`fleet drivers: ${count} moving every ${tickMs} ms (up to ${stepMeters} m) in ${redactUrl(url)}; Ctrl-C takes them off the map\n`);
    const signal = await untilSignal();
    await simulator.close();
    io.stdout.write(`fleet drivers: ${signal}, ${count} drivers removed after ${simulator.ticks} ticks\n`);
  } finally {
    await index.close();
  }
  return 0;
}

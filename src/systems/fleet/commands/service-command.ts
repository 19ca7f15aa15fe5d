import { type CliIo, parseOptions, portOption } from '../../../kit/cli/args.ts';
import { untilSignal } from '../../../kit/runtime/signals.ts';
import { REFERENCE_DRIVERS } from '../roles/driver-simulator.ts';
import { startFleetService } from '../roles/fleet-service.ts';
import { DEFAULT_DRIVERS_KEY } from '../store/driver-index.ts';
import { metricsOptionHelp, openIndexOrExplain, redisUrl, serveMetrics } from './role-options.ts';

export const SERVICE_HELP = `usage: mensageiro fleet service [--port 50051] [--host 127.0.0.1] [--redis URL] [--key ${DEFAULT_DRIVERS_KEY}]
                              [--seed-drivers] [--metrics-port N]

The fleet's gRPC search service (package pb, FleetService.SearchDriver): the nearest driver within 5 km of
the order's pickup point (São Paulo's centre when the request carries only order_id); NOT_FOUND when there
is none, INVALID_ARGUMENT for an empty order_id or a point off the map.

  --port N          gRPC port (default 50051; 0 picks a free one)
  --host H          address to bind (default 127.0.0.1; 0.0.0.0 for every interface)
  --redis URL       the drivers' positions: a Redis GEO set (default MENSAGEIRO_REDIS_URL or redis://127.0.0.1:6379),
                    or memory:// for an index in this process (with --seed-drivers, for a try-out)
  --key K           the GEO set's key (default ${DEFAULT_DRIVERS_KEY})
  --seed-drivers    place the two reference drivers, Joao-da-Silva near the centre and Maria-Longe 8.7 km away
${metricsOptionHelp(20)}`;

export async function serviceCommand(argv: string[], io: CliIo): Promise<number> {
  const command = 'mensageiro fleet service';
  const help = `${command} --help`;
  const { values } = parseOptions(argv, help, {
    port: { type: 'string' },
    host: { type: 'string' },
    redis: { type: 'string' },
    key: { type: 'string' },
    'seed-drivers': { type: 'boolean' },
    'metrics-port': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(SERVICE_HELP);
    return 0;
  }
  const port = portOption('--port', values.port ?? '50051', help);
  const url = redisUrl(values.redis, help, true);
  const index = await openIndexOrExplain(url, values.key ?? DEFAULT_DRIVERS_KEY);
  const stopMetrics = await serveMetrics(values['metrics-port'], command).catch(async (err: unknown) => {
    await index.close();
    throw err;
  });
  try {
    if (values['seed-drivers']) await index.add(REFERENCE_DRIVERS);
    const service = await startFleetService({ index, port, host: values.host });
    io.stdout.write(`fleet service: SearchDriver on ${values.host ?? '127.0.0.1'}:${service.port}, drivers in ${url.startsWith('memory') ? 'memory' : 'Redis'}; Ctrl-C stops it\n`);
    const signal = await untilSignal();
    io.stdout.write(`fleet service: ${signal}, stopping\n`);
    await service.close();
  } finally {
    await stopMetrics();
    await index.close();
  }
  return 0;
}

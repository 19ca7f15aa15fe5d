import { type CliIo, parseOptions, portOption } from '../../../kit/cli/args.ts';
import { createBus } from '../../../kit/bus/registry.ts';
import { serveModuleUntilSignal } from '../../../kit/serve-module.ts';
import { fleetModule } from '../web/fleet-module.ts';

export const UP_HELP = `usage: mensageiro fleet up [--port 3000] [--host 0.0.0.0] [--data DIR]

Runs the order API, PGlite (PostgreSQL in this process) and the outbox relay on the in-memory bus, with a page
at http://localhost:3000/fleet/ and the API under /fleet/api/v1/orders. Ctrl-C stops it.

  --data DIR   keep the database in this folder (default: in memory, gone when it stops)
`;

export async function upCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro fleet up --help';
  const { values } = parseOptions(argv, help, { port: { type: 'string' }, host: { type: 'string' }, data: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    io.stdout.write(UP_HELP);
    return 0;
  }
  const port = portOption('--port', values.port ?? process.env.PORT ?? '3000', help);
  const bus = await createBus('memory://fleet');
  await serveModuleUntilSignal(fleetModule({ dataDir: values.data }), bus, { port, host: values.host, io, command: 'mensageiro fleet up' });
  return 0;
}

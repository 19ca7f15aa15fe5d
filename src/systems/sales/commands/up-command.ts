import { type CliIo, parseOptions, portOption } from '../../../kit/cli/args.ts';
import { serveModuleUntilSignal } from '../../../kit/serve-module.ts';
import { salesModule } from '../web/sales-module.ts';
import { openBus } from './common.ts';

export const UP_HELP = `usage: mensageiro sales up [--port 3000] [--host 0.0.0.0] [--db data/sales.db]

Runs the balancer, three workers (their SQL on worker threads) and the query page in this one process on the
in-memory bus. The page is at http://localhost:3000/sales/, with /health and /metrics beside it.
The database is seeded (10,000 sales) when missing. Ctrl-C stops it.
`;

export async function upCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro sales up --help';
  const { values } = parseOptions(argv, help, {
    port: { type: 'string' },
    host: { type: 'string' },
    db: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(UP_HELP);
    return 0;
  }
  const port = portOption('--port', values.port ?? process.env.PORT ?? '3000', help);
  const bus = await openBus('memory://sales');
  const module = salesModule({ dbPath: values.db });
  await serveModuleUntilSignal(module, bus, { port, host: values.host, io, command: 'mensageiro sales up' });
  return 0;
}

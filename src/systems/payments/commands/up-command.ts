import { type CliIo, parseOptions, portOption } from '../../../kit/cli/args.ts';
import { serveModuleUntilSignal } from '../../../kit/serve-module.ts';
import { paymentsModule } from '../web/payments-module.ts';
import { createBus } from '../../../kit/bus/registry.ts';

export const UP_HELP = `usage: mensageiro payments up [--port 3000] [--host 0.0.0.0]

Runs one backend and both processor emulators in this one process, with a page at
http://localhost:3000/payments/ showing our summary beside the processors', and a button that runs a short load.
The contract is under /payments/ there (POST /payments/payments, GET /payments/payments-summary). Ctrl-C stops it.
`;

export async function upCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro payments up --help';
  const { values } = parseOptions(argv, help, {
    port: { type: 'string' },
    host: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(UP_HELP);
    return 0;
  }
  const port = portOption('--port', values.port ?? process.env.PORT ?? '3000', help);
  const bus = await createBus('memory://payments');
  const module = paymentsModule();
  await serveModuleUntilSignal(module, bus, { port, host: values.host, io, command: 'mensageiro payments up' });
  return 0;
}

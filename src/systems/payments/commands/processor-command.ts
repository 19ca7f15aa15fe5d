import { type CliIo, UsageError, durationOption, nonNegativeInteger, parseOptions } from '../../../kit/cli/args.ts';
import { untilSignal } from '../../../kit/runtime/signals.ts';
import { type ProcessorEmulator, startProcessorEmulator } from '../emulator/processor-emulator.ts';

export const PROCESSOR_HELP = `usage: mensageiro payments processor --port 8001 --fee 0.05 [--token 123] [--host 127.0.0.1] [--rate-limit 5s]

A stand-in for the Rinha de Backend 2025 payment processor, in memory, answering as the official one does:
POST /payments (with the delay and failure mode set through the admin routes, behind a limit of 800 requests
at once plus 500 waiting), GET /payments/{id}, GET /payments/service-health (one call per --rate-limit, two
more held for the next windows, the rest 429), and the /admin routes behind the X-Rinha-Token header.
Run two: the default processor on 8001 and the fallback on 8002, each with its own fee.

  --port N          port to listen on (0 picks a free one)
  --fee F           fee per transaction, from 0 up to below 1 (0.05 is 5 %)
  --token T         the admin token it starts with (default 123)
  --host H          address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
  --rate-limit D    the service-health window (default 5s)
`;

export async function processorCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro payments processor --help';
  const { values } = parseOptions(argv, help, {
    port: { type: 'string' },
    fee: { type: 'string' },
    token: { type: 'string' },
    host: { type: 'string' },
    'rate-limit': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(PROCESSOR_HELP);
    return 0;
  }
  if (values.port === undefined) throw new UsageError('say which port to listen on: --port 8001 for the default processor, --port 8002 for the fallback', help);
  const port = nonNegativeInteger('--port', values.port, help);
  if (port > 65_535) throw new UsageError(`--port takes a port from 0 to 65535, got "${values.port}"`, help);
  if (values.fee === undefined) throw new UsageError('say what each payment costs: --fee 0.05 for 5 %', help);
  const fee = values.fee.trim() === '' ? Number.NaN : Number(values.fee);
  if (!(fee >= 0 && fee < 1)) throw new UsageError(`--fee takes a fraction from 0 up to below 1, as in 0.05 for 5 %; got "${values.fee}"`, help);
  const token = values.token ?? '123';
  if (token === '') throw new UsageError('--token cannot be empty: leave it out for the default, 123', help);
  const host = values.host ?? '127.0.0.1';
  const rateLimitMs = durationOption('--rate-limit', values['rate-limit'] ?? '5s', help);

  let processor: ProcessorEmulator;
  try {
    processor = await startProcessorEmulator({ port, host, fee, token, rateLimitMs });
  } catch (err) {
    io.stderr.write(`mensageiro payments processor: cannot listen on ${host}:${port}: ${listenFailure(err, host, port)}\n`);
    return 1;
  }
  try {
    io.stdout.write(`payment processor emulator listening on ${processor.url} (fee ${fee}, service-health once per ${rateLimitMs / 1_000} s); Ctrl-C stops it\n`);
    const signal = await untilSignal();
    io.stdout.write(`payment processor emulator: ${signal}, stopping\n`);
  } finally {
    await processor.close();
  }
  return 0;
}

function listenFailure(err: unknown, host: string, port: number): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return `port ${port} is taken: stop what listens there, or pick another --port`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return `${host} is not an address of this machine: use --host 127.0.0.1, or 0.0.0.0 for every interface`;
    case 'EACCES':
      return `port ${port} needs privileges: pick one above 1023`;
    default:
      return (err as Error).message;
  }
}

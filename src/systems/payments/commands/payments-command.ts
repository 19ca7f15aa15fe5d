import { type CliIo, processIo } from '../../../kit/cli/args.ts';
import { type SubcommandSet, runSubcommand } from '../../../kit/cli/subcommands.ts';
import { ListenError } from '../../../kit/observe/listen-error.ts';
import { PaymentsCommandError } from './common.ts';

const USAGE = `usage: mensageiro payments <command> [options]

  serve       one backend instance: POST /payments, GET /payments-summary, POST /purge-payments
  dispatcher  sends the payments the instances accepted to the processors, from their shared queue
  processor   a payment-processor emulator that behaves as the contest's official one
  bench       the contest's k6 scripts (preview, final) on our own load generator, with the score
  up          a backend and both emulators in one process, with a page on mensageiro up
  cluster     the contest deployment: nginx on :9999, 2 backends, a dispatcher, a private Redis, 2 emulators

Run "mensageiro payments <command> --help" for its options.
`;

/** Loaded on use, so a backend process does not carry the bench, the emulator or the web page in its memory. */
const commands: SubcommandSet['commands'] = {
  serve: async () => (await import('./serve-command.ts')).serveCommand,
  dispatcher: async () => (await import('./dispatcher-command.ts')).dispatcherCommand,
  processor: async () => (await import('./processor-command.ts')).processorCommand,
  bench: async () => (await import('./bench-command.ts')).benchCommand,
  up: async () => (await import('./up-command.ts')).upCommand,
  cluster: async () => (await import('./cluster-command.ts')).clusterCommand,
};

/** `mensageiro payments …`: resolves with the exit code. */
export function runPayments(argv: string[], io: CliIo = processIo): Promise<number> {
  return runSubcommand({ system: 'payments', usage: USAGE, commands, operationalErrors: [PaymentsCommandError, ListenError] }, argv, io);
}

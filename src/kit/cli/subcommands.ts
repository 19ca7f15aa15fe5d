import { type CliIo, UsageError } from './args.ts';

export type Subcommand = (argv: string[], io: CliIo) => Promise<number>;

/** Failures outside the command line (an engine down, a port taken): their message is shown, exit code 1. */
export type OperationalErrors = Array<abstract new (...args: never[]) => Error>;

export interface SubcommandSet {
  /** As typed: `mensageiro <system> …`. */
  system: string;
  usage: string;
  /** Loaded on use, so a long-running role does not carry its siblings (the bench, the web page) in memory. */
  commands: Record<string, () => Promise<Subcommand>>;
  operationalErrors: OperationalErrors;
}

/** `mensageiro <system> <command> …`: resolves with the exit code; usage errors say which --help to read. */
export async function runSubcommand(set: SubcommandSet, argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(set.usage);
    return name ? 0 : 2;
  }
  const load = set.commands[name];
  return runCommand(`mensageiro ${set.system}`, set.operationalErrors, io, async () => {
    if (!load) throw new UsageError(`unknown ${set.system} command "${name}": use ${Object.keys(set.commands).join(', ')}`, `mensageiro ${set.system} --help`);
    return (await load())(rest, io);
  });
}

/**
 * Runs one command and turns its failures into exit codes: a UsageError is 2 and says which --help to read,
 * an operational error is 1 with its message; anything else is a defect and propagates.
 */
export async function runCommand(label: string, operationalErrors: OperationalErrors, io: CliIo, command: () => Promise<number>): Promise<number> {
  try {
    return await command();
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`${label}: ${err.message}\nSee "${err.helpCommand}".\n`);
      return 2;
    }
    if (operationalErrors.some((type) => err instanceof type)) {
      io.stderr.write(`${label}: ${(err as Error).message}\n`);
      return 1;
    }
    throw err;
  }
}

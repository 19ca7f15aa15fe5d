import { type CliIo, UsageError } from './args.ts';

export type Subcommand = (argv: string[], io: CliIo) => Promise<number>;

export interface SubcommandSet {
  /** As typed: `mensageiro <system> …`. */
  system: string;
  usage: string;
  /** Loaded on use, so a long-running role does not carry its siblings (the bench, the web page) in memory. */
  commands: Record<string, () => Promise<Subcommand>>;
  /** Failures outside the command line (an engine down, a port taken): their message is shown, exit code 1. */
  operationalErrors: Array<abstract new (...args: never[]) => Error>;
}

/** `mensageiro <system> <command> …`: resolves with the exit code; usage errors say which --help to read. */
export async function runSubcommand(set: SubcommandSet, argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(set.usage);
    return name ? 0 : 2;
  }
  const load = set.commands[name];
  try {
    if (!load) throw new UsageError(`unknown ${set.system} command "${name}": use ${Object.keys(set.commands).join(', ')}`, `mensageiro ${set.system} --help`);
    return await (await load())(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`mensageiro ${set.system}: ${err.message}\nSee "${err.helpCommand}".\n`);
      return 2;
    }
    if (set.operationalErrors.some((type) => err instanceof type)) {
      io.stderr.write(`mensageiro ${set.system}: ${(err as Error).message}\n`);
      return 1;
    }
    throw err;
  }
}

import { describeThisCli } from '../kit/runtime/this-cli.ts';
import { commands, usage } from './commands.ts';

// The cluster commands start roles as processes of this same CLI: the kit learns here how to run it again.
describeThisCli(import.meta.url);

/** `mensageiro <system|kit> <command> [options]`: looks the command up and hands it the rest of argv. */
async function main(argv: string[]): Promise<number> {
  const [group, ...rest] = argv;
  if (!group || group === '--help' || group === '-h' || group === 'help') {
    process.stdout.write(usage());
    return group ? 0 : 2; // no command is a usage error, as in every subcommand
  }
  const entry = commands[group];
  if (!entry) {
    process.stderr.write(`unknown command "${group}".\n\n${usage()}`);
    return 2;
  }
  return entry.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`mensageiro: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);

import { type CliIo, UsageError, durationOption, parseOptions } from '../../../../kit/cli/args.ts';
import { NAME_MAX_LENGTH } from '../domain/limits.ts';
import { JWT_SECRET_ENV, TokenAuth, secretFromEnv } from '../roles/token-auth.ts';

export const TOKEN_HELP = `usage: mensageiro chat ws token --sub ID [--name USERNAME] [--ttl 12h]

Prints a JWT for the chat's servers: HS256, signed with $${JWT_SECRET_ENV}, its sub the user's id and its
name claim the username. Paste it into the chat page, or connect with ws://host:8080/ws?token=<token>.
`;

export async function tokenCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro chat ws token --help';
  const { values } = parseOptions(argv, help, { sub: { type: 'string' }, name: { type: 'string' }, ttl: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    io.stdout.write(TOKEN_HELP);
    return 0;
  }
  const sub = values.sub?.trim();
  if (!sub) throw new UsageError('say whose token it is: --sub u1', help);
  const name = values.name?.trim() || sub;
  for (const [flag, value] of [['--sub', sub], ['--name', name]] as const) {
    if ([...value].length > NAME_MAX_LENGTH) throw new UsageError(`${flag} has at most ${NAME_MAX_LENGTH} characters`, help);
  }
  const secret = secretFromEnv();
  if ('problem' in secret) throw new UsageError(secret.problem.replace(', or pass --anonymous', ''), help);
  const ttlMs = durationOption('--ttl', values.ttl ?? '12h', help);
  io.stdout.write(`${await new TokenAuth(secret.secret).sign({ id: sub, username: name }, Math.ceil(ttlMs / 1000))}\n`);
  return 0;
}

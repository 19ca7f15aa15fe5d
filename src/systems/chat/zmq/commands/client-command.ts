import { type CliIo, UsageError, parseOptions } from '../../../../kit/cli/args.ts';
import { ChatSession } from '../roles/chat-session.ts';
import { runInteractiveClient } from '../roles/interactive-client.ts';
import { tcpEndpoint } from './endpoints.ts';

export const CLIENT_HELP_TEXT = `usage: mensageiro chat zmq client [--broker tcp://127.0.0.1:5555] [--proxy tcp://127.0.0.1:5558] [--user ana]

The interactive chat client: requests go to the broker (retried with the same id when no answer comes),
publications come live from the proxy. Type /help inside it for the commands: /login, /users, /channels,
/channel, /join, /leave, /pub, /msg, /quit. Plain text goes to the channel joined last.

  --broker URL   the broker's port for clients (default tcp://127.0.0.1:5555)
  --proxy URL    the proxy's port for subscribers (default tcp://127.0.0.1:5558)
  --user NAME    log in as NAME at start
`;

export async function clientCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro chat zmq client --help';
  const { values } = parseOptions(argv, help, {
    broker: { type: 'string' },
    proxy: { type: 'string' },
    user: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(CLIENT_HELP_TEXT);
    return 0;
  }
  const broker = tcpEndpoint('--broker', values.broker ?? 'tcp://127.0.0.1:5555', help);
  const proxy = tcpEndpoint('--proxy', values.proxy ?? 'tcp://127.0.0.1:5558', help);
  if (values.user !== undefined && !/^\S+$/.test(values.user)) throw new UsageError(`--user takes one word, got "${values.user}"`, help);

  const session = await ChatSession.open({ broker, proxy });
  try {
    io.stdout.write(`chat client: requests to ${broker}, publications from ${proxy}\n`);
    await runInteractiveClient({
      session,
      input: process.stdin,
      output: io.stdout,
      user: values.user,
      abandon: () => void session.close(),
    });
  } finally {
    await session.close();
  }
  return 0;
}

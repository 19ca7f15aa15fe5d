import { type CliIo, nonNegativeInteger, parseOptions, positiveInteger } from '../../../../kit/cli/args.ts';
import { usageTable } from '../../../../kit/observe/usage-table.ts';
import { Supervisor } from '../../../../kit/runtime/supervisor.ts';
import { type Launch, thisCli } from '../../../../kit/runtime/this-cli.ts';
import { ChatZmqCommandError, ROLE_NODE_FLAGS } from './common.ts';

export const CLUSTER_HELP = `usage: mensageiro chat zmq cluster [--servers 3] [--bots 2] [--port-base 5555] [--data-dir ./chat-zmq-data]

The course's final topology on this machine, each role a separate process: the broker (ROUTER on the base
port for clients, DEALER on base+1 for servers), the proxy (XSUB on base+2, XPUB on base+3), the reference
(base+4), --servers chat servers s1…sN and --bots bots. Connect a client to it with:
  mensageiro chat zmq client --broker tcp://127.0.0.1:5555 --proxy tcp://127.0.0.1:5558
A role that exits is started again (each restart is printed) while the others keep running. Ctrl-C stops
them all and prints each one's CPU time and peak memory.
`;

export async function clusterCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro chat zmq cluster --help';
  const { values } = parseOptions(argv, help, {
    servers: { type: 'string' },
    bots: { type: 'string' },
    'port-base': { type: 'string' },
    'data-dir': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(CLUSTER_HELP);
    return 0;
  }
  const servers = positiveInteger('--servers', values.servers ?? '3', help);
  const bots = nonNegativeInteger('--bots', values.bots ?? '2', help);
  const base = positiveInteger('--port-base', values['port-base'] ?? '5555', help);
  const dataDir = values['data-dir'] ?? 'chat-zmq-data';
  const at = (offset: number) => `tcp://127.0.0.1:${base + offset}`;

  let role: (args: string[]) => Launch;
  try {
    const cli = thisCli({ compiled: true, nodeFlags: ROLE_NODE_FLAGS, log: (line) => io.stdout.write(`${line}\n`) });
    role = (args) => cli(['chat', 'zmq', ...args]);
  } catch (err) {
    throw new ChatZmqCommandError((err as Error).message);
  }
  const supervisor = new Supervisor(io);
  const ready = /Ctrl-C stops it/;
  const names: string[] = [];
  const start = (name: string, args: string[]) => {
    names.push(name);
    supervisor.start({ name, launch: role(args) });
  };
  try {
    start('broker', ['broker', '--frontend-port', String(base), '--backend-port', String(base + 1)]);
    start('proxy', ['proxy', '--xsub-port', String(base + 2), '--xpub-port', String(base + 3)]);
    start('reference', ['reference', '--port', String(base + 4), '--data-dir', dataDir]);
    await Promise.all(names.map((name) => supervisor.ready(name, ready, 15_000)));
    const serverArgs = ['--broker', at(1), '--proxy-xsub', at(2), '--proxy-xpub', at(3), '--reference', at(4), '--data-dir', dataDir];
    const serverNames = Array.from({ length: servers }, (_, i) => `s${i + 1}`);
    for (const name of serverNames) start(name, ['server', '--name', name, ...serverArgs]);
    await Promise.all(serverNames.map((name) => supervisor.ready(name, /chat server .* ready/, 30_000)));
    for (let i = 1; i <= bots; i++) start(`bot${i}`, ['bot', '--broker', at(0), '--proxy', at(3)]);
  } catch (err) {
    await supervisor.stop();
    throw new ChatZmqCommandError(`the cluster did not come up: ${(err as Error).message}`);
  }
  io.stdout.write(`chat zmq cluster: broker ${at(0)}, proxy ${at(3)}, ${servers} servers, ${bots} bots; a role that exits is restarted; connect with\n  mensageiro chat zmq client --broker ${at(0)} --proxy ${at(3)}\nCtrl-C stops them all\n`);
  const gaveUp = await supervisor.untilStopped();
  io.stdout.write(usageTable(names, supervisor.pids()));
  const serverNames = names.filter((n) => /^s\d+$/.test(n));
  await supervisor.stop(5_000, [names.filter((n) => n.startsWith('bot')), serverNames, ['broker', 'proxy', 'reference']]);
  if (gaveUp) io.stderr.write(`mensageiro chat zmq: stopped because ${gaveUp}\n`);
  return gaveUp ? 1 : 0;
}

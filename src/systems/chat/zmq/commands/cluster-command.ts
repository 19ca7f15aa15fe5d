import { fileURLToPath } from 'node:url';
import { type CliIo, nonNegativeInteger, parseOptions, positiveInteger } from '../../../../kit/cli/args.ts';
import { usageTable } from '../../../../kit/observe/usage-table.ts';
import { compiledCli } from '../../../../kit/runtime/compiled-entry.ts';
import { ProcessGroup } from '../../../../kit/runtime/process-group.ts';
import { untilSignal } from '../../../../kit/runtime/signals.ts';
import { waitForOutput } from '../../../../kit/runtime/wait-for-output.ts';
import { ChatZmqCommandError, ROLE_NODE_FLAGS } from './common.ts';

export const CLUSTER_HELP = `usage: mensageiro chat zmq cluster [--servers 3] [--bots 2] [--port-base 5555] [--data-dir ./chat-zmq-data]

The course's final topology on this machine, each role a separate process: the broker (ROUTER on the base
port for clients, DEALER on base+1 for servers), the proxy (XSUB on base+2, XPUB on base+3), the reference
(base+4), --servers chat servers s1…sN and --bots bots. Connect a client to it with:
  mensageiro chat zmq client --broker tcp://127.0.0.1:5555 --proxy tcp://127.0.0.1:5558
Ctrl-C stops them all and prints each one's CPU time and peak memory.
`;

const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));

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

  let cli: string;
  try {
    cli = compiledCli(ROOT, (line) => io.stdout.write(`${line}\n`));
  } catch (err) {
    throw new ChatZmqCommandError((err as Error).message);
  }
  const group = new ProcessGroup(io);
  const role = (name: string, args: string[]) => group.start(name, process.execPath, [...ROLE_NODE_FLAGS, cli, 'chat', 'zmq', ...args]);
  const ready = /Ctrl-C stops it/;
  const names: string[] = [];
  try {
    const infra = [
      role('broker', ['broker', '--frontend-port', String(base), '--backend-port', String(base + 1)]),
      role('proxy', ['proxy', '--xsub-port', String(base + 2), '--xpub-port', String(base + 3)]),
      role('reference', ['reference', '--port', String(base + 4)]),
    ];
    names.push('broker', 'proxy', 'reference');
    await Promise.all(infra.map((child, i) => waitForOutput(child, ready, names[i]!)));
    const serverArgs = ['--broker', at(1), '--proxy-xsub', at(2), '--proxy-xpub', at(3), '--reference', at(4), '--data-dir', dataDir];
    const started = Array.from({ length: servers }, (_, i) => role(`s${i + 1}`, ['server', '--name', `s${i + 1}`, ...serverArgs]));
    names.push(...started.map((_, i) => `s${i + 1}`));
    await Promise.all(started.map((child, i) => waitForOutput(child, /chat server .* ready/, `server s${i + 1}`, 30_000)));
    for (let i = 1; i <= bots; i++) {
      role(`bot${i}`, ['bot', '--broker', at(0), '--proxy', at(3)]);
      names.push(`bot${i}`);
    }
  } catch (err) {
    await group.stop();
    throw new ChatZmqCommandError(`the cluster did not come up: ${(err as Error).message}`);
  }
  io.stdout.write(`chat zmq cluster: broker ${at(0)}, proxy ${at(3)}, ${servers} servers, ${bots} bots; connect with\n  mensageiro chat zmq client --broker ${at(0)} --proxy ${at(3)}\nCtrl-C stops them all\n`);
  const pids = group.pids();
  const reason = await Promise.race([untilSignal(), group.firstExit().then((name) => `${name} exited`)]);
  io.stdout.write(usageTable(names, pids));
  const serverNames = names.filter((n) => /^s\d+$/.test(n));
  await group.stop(5_000, [names.filter((n) => n.startsWith('bot')), serverNames, ['broker', 'proxy', 'reference']]);
  if (!reason.startsWith('SIG')) io.stderr.write(`mensageiro chat zmq: stopped because ${reason}\n`);
  return reason.startsWith('SIG') ? 0 : 1;
}

import type { Bus } from '../kit/bus/bus.ts';
import { createBus } from '../kit/bus/registry.ts';
import { type CliIo, parseOptions, portOption, processIo } from '../kit/cli/args.ts';
import { runCommand } from '../kit/cli/subcommands.ts';
import { closeHttpServer, createHttpServer } from '../kit/observe/http-server.ts';
import { ListenError, ensureCanListen, listenError } from '../kit/observe/listen-error.ts';
import { untilSignal } from '../kit/runtime/signals.ts';
import { createLogger, logFormat } from '../kit/observe/log.ts';
import type { SystemModule } from '../kit/platform.ts';
import type { FastifyInstance } from 'fastify';
import { mountDocs } from '../kit/web/docs-route.ts';
import { mountLanding } from './landing-page.ts';
import { systems } from './systems.ts';

const HELP = `usage: mensageiro up [--port 3000] [--host 0.0.0.0]

Runs every built system embedded in this one process, on the in-memory bus, with a landing page,
/health and Prometheus /metrics. Ctrl-C stops it.

  --port <n>     port to listen on (default: $PORT, else 3000; 0 picks a free one)
  --host <addr>  address to bind (default: 0.0.0.0, every interface)
`;

const log = createLogger('up');

/** A system threw while it started: the message names it. Exit code 1. */
class SystemStartError extends Error {}

/** `mensageiro up`: resolves with the exit code. */
export function runUp(argv: string[], io: CliIo = processIo): Promise<number> {
  return runCommand('mensageiro up', [ListenError, SystemStartError], io, () => up(argv, io));
}

async function up(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro up --help';
  const { values } = parseOptions(argv, help, {
    port: { type: 'string' },
    host: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const port = portOption('--port', values.port ?? process.env.PORT ?? '3000', help);
  const where = { port, host: values.host ?? '0.0.0.0', command: 'mensageiro up' };
  await ensureCanListen(where);

  const bus = await createBus('memory://up');
  const mounted: SystemModule[] = [];
  const app = createHttpServer({
    health: () => ({ systems: systems.map(({ name }) => ({ name, status: mounted.some((m) => m.name === name) ? 'up' : 'not built yet' })) }),
  });
  try {
    await mountBuiltSystems(app, bus, mounted);
    mountLanding(app, systems, mounted);
    mountDocs(app);
    await app.listen({ port, host: where.host }).catch((err: unknown) => {
      throw listenError(err, where);
    });
    const address = app.server.address();
    const url = `http://localhost:${typeof address === 'object' && address ? address.port : port}`;
    // On a terminal the summary below says it; the line is for whatever collects the JSON lines.
    if (logFormat() === 'json') log.info('listening', { url, host: where.host, systems: mounted.map((m) => m.name) });
    io.stdout.write(summary(url, mounted));
    const signal = await untilSignal();
    io.stdout.write(`mensageiro: ${signal}, stopping\n`);
    return 0;
  } finally {
    await closeHttpServer(app);
    await Promise.allSettled(mounted.map((module) => module.close?.()));
    await bus.close();
  }
}

/** What a person reads once it runs: where each system's page is, and anything else it needs to reach it. */
function summary(url: string, mounted: SystemModule[]): string {
  const width = Math.max(...mounted.map((module) => module.name.length));
  const lines = [`mensageiro is up on ${url} (Ctrl-C stops it)`];
  for (const module of mounted) {
    lines.push(`  ${module.name.padEnd(width)}  ${url}/${module.name}/`);
    for (const note of module.notes?.() ?? []) lines.push(`  ${' '.repeat(width)}  ${note}`);
  }
  lines.push(`  ${'health'.padEnd(width)}  ${url}/health, ${url}/metrics`);
  return `${lines.join('\n')}\n`;
}

/** Loads each system that has landed and registers it as an encapsulated plugin under /<name>/. */
async function mountBuiltSystems(app: FastifyInstance, bus: Bus, mounted: SystemModule[]): Promise<void> {
  for (const system of systems) {
    if (!system.load) continue;
    try {
      const module = await system.load();
      await app.register(async (scope) => module.mount(scope, { bus, log: createLogger(system.name) }), { prefix: `/${system.name}` });
      mounted.push(module);
    } catch (err) {
      throw new SystemStartError(`the ${system.name} system failed to start: ${(err as Error).message}`, { cause: err });
    }
  }
}

import { parseArgs } from 'node:util';
import { createBus } from '../kit/bus/registry.ts';
import { createHttpServer, untilSignal } from '../kit/observe/http-server.ts';
import { createLogger } from '../kit/observe/log.ts';
import type { SystemModule } from '../kit/platform.ts';
import { landingPage } from './landing-page.ts';
import { systems } from './systems.ts';

const help = `usage: mensageiro up [--port 3000] [--host 0.0.0.0]

Runs every built system embedded in this one process, on the in-memory bus, with a landing page,
/health and Prometheus /metrics. Ctrl-C stops it.
`;

export async function runUp(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, host: { type: 'string', default: '0.0.0.0' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const port = Number(values.port ?? process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be a number from 0 to 65535, got "${values.port}"\n`);
    return 2;
  }
  const log = createLogger('up');
  const bus = await createBus('memory://up');
  const mounted = new Set<string>();
  const modules: SystemModule[] = [];
  const app = createHttpServer({ health: () => ({ systems: [...mounted] }) });

  for (const system of systems) {
    if (!system.load) continue;
    const module = await system.load();
    await app.register(async (scope) => module.mount(scope, { bus, log: createLogger(system.name) }), { prefix: `/${system.name}` });
    modules.push(module);
    mounted.add(system.name);
  }
  const page = landingPage(systems, mounted);
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));

  try {
    await app.listen({ port, host: values.host });
  } catch (err) {
    const code = (err as { code?: string }).code;
    const hint = code === 'EADDRINUSE' ? `port ${port} is taken: stop what runs there, or pick another with --port` : (err as Error).message;
    process.stderr.write(`mensageiro up: ${hint}\n`);
    await bus.close();
    return 1;
  }
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  log.info(`mensageiro is up on http://localhost:${actualPort}`, { systems: [...mounted] });
  process.stdout.write(`mensageiro is up on http://localhost:${actualPort} (Ctrl-C stops it)\n`);

  await untilSignal();
  await app.close();
  await Promise.allSettled(modules.map((module) => module.close?.()));
  await bus.close();
  return 0;
}

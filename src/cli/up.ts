import { parseArgs } from 'node:util';
import type { Bus } from '../kit/bus/bus.ts';
import { createBus } from '../kit/bus/registry.ts';
import { closeHttpServer, createHttpServer } from '../kit/observe/http-server.ts';
import { untilSignal } from '../kit/runtime/signals.ts';
import { createLogger } from '../kit/observe/log.ts';
import type { SystemModule } from '../kit/platform.ts';
import type { FastifyInstance } from 'fastify';
import { mountDocs } from '../kit/web/docs-route.ts';
import { mountLanding } from './landing-page.ts';
import { systems } from './systems.ts';

const help = `usage: mensageiro up [--port 3000] [--host 0.0.0.0]

Runs every built system embedded in this one process, on the in-memory bus, with a landing page,
/health and Prometheus /metrics. Ctrl-C stops it.

  --port <n>     port to listen on (default: $PORT, else 3000; 0 picks a free one)
  --host <addr>  address to bind (default: 0.0.0.0, every interface)
`;

const log = createLogger('up');

export async function runUp(argv: string[]): Promise<number> {
  let values: { port?: string; host: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { port: { type: 'string' }, host: { type: 'string', default: '0.0.0.0' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    process.stderr.write(`mensageiro up: ${(err as Error).message}\n\n${help}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const rawPort = values.port ?? process.env.PORT ?? '3000';
  const port = Number(rawPort);
  if (rawPort.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`mensageiro up: the port must be a whole number from 0 to 65535, got "${rawPort}"\n`);
    return 2;
  }

  const bus = await createBus('memory://up');
  const mounted: SystemModule[] = [];
  const app = createHttpServer({
    health: () => ({ systems: systems.map(({ name }) => ({ name, status: mounted.some((m) => m.name === name) ? 'up' : 'not built yet' })) }),
  });
  const stop = async () => {
    await closeHttpServer(app);
    await Promise.allSettled(mounted.map((module) => module.close?.()));
    await bus.close();
  };

  try {
    await mountBuiltSystems(app, bus, mounted);
  } catch (err) {
    process.stderr.write(`mensageiro up: ${(err as Error).message}\n`);
    await stop();
    return 1;
  }
  mountLanding(app, systems, mounted);
  mountDocs(app);

  try {
    await app.listen({ port, host: values.host });
  } catch (err) {
    const code = (err as { code?: string }).code;
    const reason =
      code === 'EADDRINUSE'
        ? `port ${port} is already in use. Stop whatever runs there, or pick another port: mensageiro up --port ${port + 1}`
        : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND'
          ? `cannot listen on ${values.host}: no such address on this machine; try --host 127.0.0.1`
          : (err as Error).message;
    process.stderr.write(`mensageiro up: ${reason}\n`);
    await stop();
    return 1;
  }
  const address = app.server.address();
  const url = `http://localhost:${typeof address === 'object' && address ? address.port : port}`;
  log.info('listening', { url, host: values.host, systems: mounted.map((m) => m.name) });
  process.stdout.write(`mensageiro is up on ${url} (Ctrl-C stops it)\n`);

  const signal = await untilSignal();
  process.stdout.write(`mensageiro: ${signal}, stopping\n`);
  await stop();
  return 0;
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
      throw new Error(`the ${system.name} system failed to start: ${(err as Error).message}`, { cause: err });
    }
  }
}

import type { Bus } from './bus/bus.ts';
import type { CliIo } from './cli/args.ts';
import { closeHttpServer, createHttpServer } from './observe/http-server.ts';
import { untilSignal } from './runtime/signals.ts';
import { createLogger } from './observe/log.ts';
import type { SystemModule } from './platform.ts';
import { mountDocs } from './web/docs-route.ts';

/** One system's module on its own HTTP server (a `<system> up` command), under /<name>/, until Ctrl-C. */
export async function serveModuleUntilSignal(module: SystemModule, bus: Bus, options: { port: number; host?: string; io: CliIo }): Promise<void> {
  const { io } = options;
  const app = createHttpServer();
  try {
    await app.register(async (scope) => module.mount(scope, { bus, log: createLogger(module.name) }), { prefix: `/${module.name}` });
    app.get('/', async (_request, reply) => reply.redirect(`/${module.name}/`));
    mountDocs(app);
    await app.listen({ port: options.port, host: options.host ?? '0.0.0.0' });
    const address = app.server.address();
    const url = `http://localhost:${typeof address === 'object' && address ? address.port : options.port}/${module.name}/`;
    io.stdout.write(`${module.name} is up on ${url} (Ctrl-C stops it)\n`);
    const signal = await untilSignal();
    io.stdout.write(`${module.name}: ${signal}, stopping\n`);
  } finally {
    await closeHttpServer(app);
    await module.close?.();
    await bus.close();
  }
}

import type { Bus } from './bus/bus.ts';
import type { CliIo } from './cli/args.ts';
import { closeHttpServer, createHttpServer } from './observe/http-server.ts';
import { ensureCanListen, listenError } from './observe/listen-error.ts';
import { untilSignal } from './runtime/signals.ts';
import { createLogger } from './observe/log.ts';
import type { SystemModule } from './platform.ts';
import { mountDocs } from './web/docs-route.ts';

export interface ServeOptions {
  port: number;
  host?: string;
  io: CliIo;
  /** As the user typed it (`mensageiro sales up`), for the suggestion when the port is taken. */
  command: string;
}

/**
 * One system's module on its own HTTP server (a `<system> up` command), under /<name>/, until Ctrl-C.
 * A port that cannot be bound fails with a ListenError before the module starts anything.
 */
export async function serveModuleUntilSignal(module: SystemModule, bus: Bus, options: ServeOptions): Promise<void> {
  const { io } = options;
  const where = { port: options.port, host: options.host ?? '0.0.0.0', command: options.command };
  const app = createHttpServer();
  try {
    await ensureCanListen(where);
    await app.register(async (scope) => module.mount(scope, { bus, log: createLogger(module.name) }), { prefix: `/${module.name}` });
    app.get('/', async (_request, reply) => reply.redirect(`/${module.name}/`));
    mountDocs(app);
    await app.listen({ port: where.port, host: where.host }).catch((err: unknown) => {
      throw listenError(err, where);
    });
    const address = app.server.address();
    const base = `http://localhost:${typeof address === 'object' && address ? address.port : where.port}`;
    io.stdout.write(`${module.name} is up on ${base}/${module.name}/ (Ctrl-C stops it)\n`);
    for (const note of module.notes?.() ?? []) io.stdout.write(`  ${note}\n`);
    const signal = await untilSignal();
    io.stdout.write(`${module.name}: ${signal}, stopping\n`);
  } finally {
    await closeHttpServer(app);
    await module.close?.();
    await bus.close();
  }
}

export interface Command {
  summary: string;
  /** Resolves with the exit code; long-running roles resolve when they are stopped. */
  run(argv: string[]): Promise<number>;
}

/** Every top-level command, loaded lazily so that `mensageiro bus …` does not load the systems. */
export const commands: Record<string, Command> = {
  up: {
    summary: 'run the whole platform embedded, with its landing page on http://localhost:3000',
    run: async (argv) => (await import('./up.ts')).runUp(argv),
  },
  sales: {
    summary: 'sales analytics over a broker, balanced to SQLite workers: seed, worker, balancer, bench, up, cluster',
    run: async (argv) => (await import('../systems/sales/commands/sales-command.ts')).runSales(argv),
  },
  chat: {
    summary: 'chat, over ZeroMQ (the FEI CC7261 system): zmq broker, proxy, reference, server, client, bot, cluster, export, bench',
    run: async (argv) => (await import('../systems/chat/commands/chat-command.ts')).runChat(argv),
  },
  fleet: {
    summary: 'fleet dispatch, after GoFleet: api (with its outbox relay), relay, worker, service (gRPC driver search), drivers, bench, up',
    run: async (argv) => (await import('../systems/fleet/commands/fleet-command.ts')).runFleet(argv),
  },
  payments: {
    summary: 'payments, the Rinha de Backend 2025 intermediary: serve, processor, bench, up, cluster',
    run: async (argv) => (await import('../systems/payments/commands/payments-command.ts')).runPayments(argv),
  },
  bus: {
    summary: 'bus tools: bench, dlq list|replay',
    run: async (argv) => (await import('./bus.ts')).runBus(argv),
  },
};

export function usage(): string {
  const lines = Object.entries(commands).map(([name, cmd]) => `  ${name.padEnd(10)} ${cmd.summary}`);
  return `usage: mensageiro <command> [options]\n\n${lines.join('\n')}\n\nRun "mensageiro <command> --help" for a command's options.\n`;
}

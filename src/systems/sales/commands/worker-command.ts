import { existsSync } from 'node:fs';
import { type CliIo, UsageError, nonNegativeInteger, parseOptions, positiveInteger, redactUrl } from '../../../kit/cli/args.ts';
import { untilSignal } from '../../../kit/runtime/signals.ts';
import { createLogger } from '../../../kit/observe/log.ts';
import { WORKER_ID_PATTERN } from '../domain/protocol.ts';
import { InlineQueryExecutor } from '../roles/query-executor.ts';
import { SalesWorker } from '../roles/sales-worker.ts';
import { SEED_COMPATIBLE_HELP, SalesCommandError, busUrl, dbPath, explainQueueArguments, openBus, seedCompatibleQueues } from './common.ts';

export const WORKER_HELP = `usage: mensageiro sales worker --id mom-worker-1 [--db data/sales.db] [--bus URL] [--prefetch 10] [--seed-compatible]

Consumes the queue named after --id, answers each query from the database (opened read-only) straight to the
caller's reply-to, and reports heartbeats and completions to the balancer. Ctrl-C stops it after the queries
in hand are answered.

  --id ID        worker id and queue name (default: $WORKER_ID, else $QUEUE_NAME)
  --db PATH      the database made by "mensageiro sales seed" (default: $DB_PATH, else data/sales.db)
  --bus URL      amqp://…, redis://… (default: $RABBITMQ_URL, else $MENSAGEIRO_BUS_URL, else memory://)
  --prefetch N   queries in hand at once (default 10, as in the original)
  --delay-ms N   test only: wait N ms before each query, to make this worker slow
${SEED_COMPATIBLE_HELP}`;

export async function workerCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro sales worker --help';
  const { values } = parseOptions(argv, help, {
    id: { type: 'string' },
    db: { type: 'string' },
    bus: { type: 'string' },
    prefetch: { type: 'string' },
    'delay-ms': { type: 'string' },
    'seed-compatible': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(WORKER_HELP);
    return 0;
  }
  const id = values.id ?? process.env.WORKER_ID ?? process.env.QUEUE_NAME;
  if (!id) throw new UsageError('name this worker: --id mom-worker-1', help);
  if (!WORKER_ID_PATTERN.test(id)) throw new UsageError(`--id "${id}" must be 1–64 letters, digits, dots, dashes or underscores`, help);
  const path = dbPath(values.db);
  if (!existsSync(path)) throw new SalesCommandError(`no database at ${path}: create it with "mensageiro sales seed --db ${path}"`);
  const prefetch = values.prefetch === undefined ? 10 : positiveInteger('--prefetch', values.prefetch, help);
  const delayMs = values['delay-ms'] === undefined ? 0 : nonNegativeInteger('--delay-ms', values['delay-ms'], help);

  const url = busUrl(values.bus);
  const seedCompatible = values['seed-compatible'];
  const plainQueues = seedCompatibleQueues(seedCompatible, url, [id], help);
  const log = createLogger(id);
  const executor = new InlineQueryExecutor(path);
  const bus = await openBus(url, plainQueues).catch(async (err: unknown) => {
    await executor.close();
    throw err;
  });
  const worker = new SalesWorker({ bus, id, executor, log, prefetch, delayMs });
  try {
    await worker.start().catch((err: unknown) => {
      throw explainQueueArguments(err, seedCompatible);
    });
    io.stdout.write(`🟢 MOM Worker [${id}] listening on ${redactUrl(url)} (db ${path})\n`);
    const signal = await untilSignal();
    io.stdout.write(`${id}: ${signal}, stopping after the queries in hand (${worker.served} answered)\n`);
    await worker.stop();
  } finally {
    await bus.close();
    await executor.close();
  }
  return 0;
}

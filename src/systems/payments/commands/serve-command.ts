import { type CliIo, UsageError, nonNegativeInteger, parseOptions } from '../../../kit/cli/args.ts';
import { createLogger } from '../../../kit/observe/log.ts';
import { untilSignal } from '../../../kit/runtime/signals.ts';
import { MAX_SHARDS, parseShard } from '../domain/id-shard.ts';
import { PaymentsInstance } from '../roles/payments-instance.ts';
import { ThreadHandoff } from '../roles/thread-handoff.ts';
import { openBackendStoreOrExplain } from '../store/backend-store.ts';
import { type Listen, closeServer, describeListen, startPaymentsServer } from '../web/payments-server.ts';
import { PaymentsCommandError, defaultInstanceId, redactStore } from './common.ts';
import { DISPATCH_OPTION_HELP, DISPATCH_OPTION_SPECS, dispatchSettings } from './dispatch-options.ts';

export const SERVE_HELP = `usage: mensageiro payments serve [--port 9999 | --socket PATH] [--store memory|redis://…|redis+unix:///…]
                               [--dispatcher in-process|thread|external] [--instance ID] [--shard K/N]
                               [--processor-default URL] [--processor-fallback URL]
                               [--max-in-flight 300] [--prefetch 5000] [--max-latency 1200]

One backend instance: POST /payments, GET /payments-summary, POST /purge-payments, /health, /metrics.
  --store          memory (one instance on its own; the default) or a Redis every instance shares
  --dispatcher     in-process (default): this process also sends the payments to the processors;
                   thread: it sends them from a worker thread of lower priority (needs a Redis store);
                   external: it only queues them, for a "mensageiro payments dispatcher" on the same store
  --shard K/N      with a Redis store: this instance is the K-th of N behind a load balancer that sends it the
                   correlationIds of shard K (first hex digit mod N, any letter case; payments cluster's nginx
                   does), and answers those without waiting for Redis. Other ids, and every id without --shard,
                   are answered once Redis has confirmed them new
${DISPATCH_OPTION_HELP}`;

export async function serveCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro payments serve --help';
  const { values } = parseOptions(argv, help, {
    port: { type: 'string' },
    socket: { type: 'string' },
    host: { type: 'string' },
    store: { type: 'string' },
    dispatcher: { type: 'string' },
    instance: { type: 'string' },
    shard: { type: 'string' },
    ...DISPATCH_OPTION_SPECS,
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(SERVE_HELP);
    return 0;
  }
  const listen: Listen = values.socket ? { socket: values.socket } : { port: values.port === undefined ? 9999 : nonNegativeInteger('--port', values.port, help), host: values.host };
  const dispatcher = values.dispatcher ?? 'in-process';
  if (!['in-process', 'thread', 'external'].includes(dispatcher)) throw new UsageError(`--dispatcher takes in-process, thread or external, got "${dispatcher}"`, help);
  const storeUrl = values.store ?? process.env.MENSAGEIRO_PAYMENTS_STORE ?? 'memory';
  if (dispatcher !== 'in-process' && storeUrl.startsWith('memory')) throw new UsageError(`--dispatcher ${dispatcher} needs a store the dispatcher shares: pass --store redis://…`, help);
  const shard = values.shard === undefined ? undefined : parseShard(values.shard);
  if (values.shard !== undefined && !shard) throw new UsageError(`--shard takes K/N with 1 ≤ K ≤ N ≤ ${MAX_SHARDS}, as in 1/2, got "${values.shard}"`, help);
  if (shard && storeUrl.startsWith('memory')) throw new UsageError('--shard is for instances that share a Redis store: with the memory store one instance sees every id', help);
  const settings = dispatchSettings(values, help);
  const instanceId = values.instance ?? defaultInstanceId();
  const log = createLogger(`payments:${instanceId}`);
  const store = await openBackendStoreOrExplain(storeUrl, instanceId, (message) => new PaymentsCommandError(message));
  const handoff = dispatcher === 'thread' ? await ThreadHandoff.start({ storeUrl, instanceId, settings, nice: 10 }) : undefined;
  const seen = await store.openSeenIds({ shard, log });
  const instance = await PaymentsInstance.start({ instanceId, bus: store.bus, ledger: store.ledger, lease: store.lease, seen, log, dispatch: dispatcher === 'in-process', handoff, ...settings });
  let server;
  try {
    server = await startPaymentsServer(instance, listen, log);
  } catch (err) {
    await instance.close(0);
    await seen.close();
    await store.close();
    throw new PaymentsCommandError(`cannot listen on ${'socket' in listen ? listen.socket : `port ${listen.port}`} (${(err as Error).message}): pick another with --port or --socket`);
  }
  io.stdout.write(`payments backend ${instanceId} on ${describeListen(server, listen)} (store ${redactStore(storeUrl)}, dispatcher ${dispatcher}${shard ? `, shard ${shard.index}/${shard.count}` : ''})\n`);
  await untilSignal();
  await closeServer(server);
  await instance.close();
  await seen.close();
  await store.close();
  return 0;
}

// The chat's persistence against its floor until `mensageiro chat ws bench --scenario persist` runs it:
//   node --import tsx scripts/chat-ws-persist-bench.ts [--messages 200000] [--batch 100,1000,5000] [--persisters 1] [--pairs 3]
//     [--redis redis://127.0.0.1:6379] [--postgres postgres://postgres@127.0.0.1:5432/test]
import { parseOptions, positiveInteger } from '../src/kit/cli/args.ts';
import { formatPersistTable, runPersistBench } from '../src/systems/chat/ws/bench/persist-bench.ts';

const help = 'scripts/chat-ws-persist-bench.ts';
const { values } = parseOptions(process.argv.slice(2), help, {
  messages: { type: 'string' },
  batch: { type: 'string' },
  persisters: { type: 'string' },
  pairs: { type: 'string' },
  redis: { type: 'string' },
  postgres: { type: 'string' },
});
const messages = positiveInteger('--messages', values.messages ?? '200000', help);
const options = {
  redisUrl: values.redis ?? process.env.MENSAGEIRO_REDIS_URL ?? 'redis://127.0.0.1:6379',
  postgresUrl: values.postgres ?? process.env.MENSAGEIRO_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  messages,
  batchSizes: (values.batch ?? '100,1000,5000').split(',').map((b) => positiveInteger('--batch', b, help)),
  persisters: positiveInteger('--persisters', values.persisters ?? '1', help),
  pairs: positiveInteger('--pairs', values.pairs ?? '3', help),
};
process.stdout.write(`persist: ${messages} messages, ${options.persisters} persister(s), batches ${options.batchSizes.join(', ')}, ${options.pairs} pairs each\n`);
const runs = await runPersistBench(options, (r) =>
  process.stdout.write(`  batch ${r.batchSize} pair ${r.pair} ${r.kind}: ${Math.round(r.rate)} msg/s, ${r.distinct}/${messages} rows, steal ${r.stealSeconds ?? 'n/a'} s\n`),
);
process.stdout.write(`\n${formatPersistTable(runs, messages)}`);

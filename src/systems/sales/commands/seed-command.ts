import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type CliIo, nonNegativeInteger, parseOptions, positiveInteger } from '../../../kit/cli/args.ts';
import { ProgressBar } from '../../../kit/observe/progress-bar.ts';
import { DEFAULT_SEED } from '../store/ensure-database.ts';
import { seedDatabase } from '../store/seed-database.ts';
import { dbPath } from './common.ts';

export const SEED_HELP = `usage: mensageiro sales seed [--db data/sales.db] [--sales 10000] [--products 100] [--seed ${DEFAULT_SEED}]

Creates (or replaces) the sales database: 5 regions, 12 stores, --products products in 8 categories,
150 customers and --sales sales dated 2020 to 2025, with indexes for the queries.
The same --seed gives the same data.
`;

export async function seedCommand(argv: string[], io: CliIo): Promise<number> {
  const help = 'mensageiro sales seed --help';
  const { values } = parseOptions(argv, help, {
    db: { type: 'string' },
    sales: { type: 'string' },
    products: { type: 'string' },
    seed: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(SEED_HELP);
    return 0;
  }
  const path = dbPath(values.db);
  const sales = values.sales === undefined ? 10_000 : positiveInteger('--sales', values.sales, help);
  const products = values.products === undefined ? 100 : positiveInteger('--products', values.products, help);
  const seed = values.seed === undefined ? DEFAULT_SEED : nonNegativeInteger('--seed', values.seed, help);
  await mkdir(dirname(path), { recursive: true });
  const bar = new ProgressBar(`seeding ${path}`, sales);
  const result = await seedDatabase(path, { sales, products, seed, onProgress: (done) => bar.update(done) }).finally(() => bar.finish());
  const rate = Math.round(result.sales / (result.ms / 1_000));
  io.stdout.write(`seeded ${path}: ${result.sales.toLocaleString('en-US')} sales, ${products} products, seed ${seed}, in ${(result.ms / 1_000).toFixed(1)} s (${rate.toLocaleString('en-US')} sales/s)\n`);
  return 0;
}

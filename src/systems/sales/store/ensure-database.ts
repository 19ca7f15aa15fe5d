import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ProgressBar } from '../../../kit/observe/progress-bar.ts';
import { seedDatabase } from './seed-database.ts';

export const DEFAULT_DB_PATH = 'data/sales.db';
export const DEFAULT_SEED = 42;

/** Seeds the seed's default dataset (10,000 sales, 100 products) at `path` when there is no database there yet. */
export async function ensureSalesDatabase(path: string, onSeeded?: (sales: number, ms: number) => void): Promise<void> {
  if (existsSync(path)) return;
  await mkdir(dirname(path), { recursive: true });
  const bar = new ProgressBar(`seeding ${path}`, 10_000);
  try {
    const result = await seedDatabase(path, { sales: 10_000, products: 100, seed: DEFAULT_SEED, onProgress: (done) => bar.update(done) });
    onSeeded?.(result.sales, result.ms);
  } finally {
    bar.finish();
  }
}

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The CLI compiled to JavaScript (`npm run build` → dist/), rebuilt first when any source is newer. Long-running
 * processes of a measured deployment start from it: running from source keeps a TypeScript compiler loaded in
 * every process, which costs about 30 MB of memory each.
 */
export function compiledCli(root: string, log: (line: string) => void): string {
  const entry = join(root, 'dist', 'cli', 'main.js');
  if (existsSync(entry) && statSync(entry).mtimeMs >= newestMtime(join(root, 'src'))) return entry;
  log('compiling to dist/ (npm run build) so the processes start from JavaScript…');
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const built = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (built.status !== 0 || !existsSync(entry)) throw new Error('npm run build failed: fix the compile errors it printed, then run the command again');
  return entry;
}

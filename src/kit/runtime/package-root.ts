import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The directory of mensageiro's package.json: the checkout, or where npm installed it. Found by walking up from
 * this file, so it is the same whether the code runs from src/ (tsx) or from dist/.
 */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}: is mensageiro installed whole?`);
    dir = parent;
  }
  root = dir;
  return dir;
}

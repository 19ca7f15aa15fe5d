import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest directory above `path` that holds a package.json. */
export function packageRootOf(path: string): string {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${path}: is mensageiro installed whole?`);
  }
}

let root: string | undefined;

/**
 * The directory of mensageiro's package.json: the checkout, or where npm installed it. Found by walking up from
 * this file, so it is the same whether the code runs from src/ (tsx) or from dist/.
 */
export function packageRoot(): string {
  root ??= packageRootOf(fileURLToPath(import.meta.url));
  return root;
}

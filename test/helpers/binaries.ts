import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * A skip reason when a program a suite needs (nginx, say) is not installed, said loudly; with
 * MENSAGEIRO_REQUIRE_ENGINES=1 (CI) it throws instead, so a missing program cannot pass as a skip.
 */
export function binarySkip(name: string, known: string[], aptPackage: string): string | undefined {
  const found = known.some(existsSync) || (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, name)));
  if (found) return undefined;
  const message = `${name} is not installed. Install it with: sudo apt-get install -y ${aptPackage}`;
  if (process.env.MENSAGEIRO_REQUIRE_ENGINES === '1') throw new Error(message);
  process.stderr.write(`\n*** SKIPPING the ${name} suites: ${message}\n`);
  return message;
}

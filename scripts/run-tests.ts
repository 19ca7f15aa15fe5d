/**
 * Runs test suites with node's test runner: `unit` needs nothing, `integration` needs the engines, which
 * are resolved here once (reused, or started privately) and handed to the test files through env vars.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { APT_LINE, type EngineName, type ResolvedEngine, engineEnvVar, resolveEngine } from '../test/helpers/engines.ts';

const suites = process.argv.slice(2);
const filter = process.env.TEST_FILTER;

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...testFiles(path));
    else if (entry.endsWith('.test.ts') && (!filter || path.includes(filter))) out.push(path);
  }
  return out.sort();
}

function runNodeTests(files: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const args = ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit', env });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<number> {
  let failed = 0;
  const started: ResolvedEngine[] = [];
  try {
    for (const suite of suites) {
      const files = testFiles(join('test', suite));
      if (files.length === 0) continue;
      const env: NodeJS.ProcessEnv = { ...process.env, MENSAGEIRO_LOG_LEVEL: process.env.MENSAGEIRO_LOG_LEVEL ?? 'error' };
      if (suite === 'integration') {
        for (const name of ['redis', 'amqp', 'postgres'] as EngineName[]) {
          const engine = await resolveEngine(name);
          if (engine.stop) {
            started.push(engine);
            process.stderr.write(`started a private ${name} at ${engine.url}\n`);
          }
          if (engine.url) env[engineEnvVar(name)] = engine.url;
          if (engine.skip) {
            process.stderr.write(`\n*** ${name.toUpperCase()} UNAVAILABLE: ${engine.skip}\n*** Its suites will be skipped. Install the engines with: ${APT_LINE}\n\n`);
            if (process.env.MENSAGEIRO_REQUIRE_ENGINES === '1') {
              process.stderr.write('MENSAGEIRO_REQUIRE_ENGINES=1: a skipped engine is a failure.\n');
              return 1;
            }
            env[`MENSAGEIRO_SKIP_${name.toUpperCase()}`] = engine.skip;
          }
        }
      }
      process.stderr.write(`\n== ${suite} tests (${files.length} files) ==\n`);
      if ((await runNodeTests(files, env)) !== 0) failed++;
    }
  } finally {
    for (const engine of started) engine.stop?.();
  }
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();

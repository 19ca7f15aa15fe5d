import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { describeThisCli, thisCli } from '../../src/kit/runtime/this-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'mensageiro-this-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('thisCli', () => {
  it('refuses until the CLI has described itself', () => {
    assert.throws(() => thisCli(), /describeThisCli\(import\.meta\.url\)/);
  });

  it('runs the CLI again from its source, from any working directory', () => {
    describeThisCli(new URL('../../src/cli/main.ts', import.meta.url).href);
    const launch = thisCli({ nodeFlags: ['--max-semi-space-size=2'] })(['bus', '--help']);
    assert.equal(launch.command, process.execPath);
    assert.equal(launch.args[0], '--max-semi-space-size=2');
    const run = spawnSync(launch.command, launch.args, { cwd: dir, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^usage: mensageiro bus <command>/);
  });

  it('runs the build its config maps the entry to, when no source is newer', () => {
    const root = join(dir, 'package');
    mkdirSync(join(root, 'source', 'cli'), { recursive: true });
    mkdirSync(join(root, 'out', 'cli'), { recursive: true });
    writeFileSync(join(root, 'package.json'), '{}');
    // tsconfig files are JSON with comments, and a string may hold "//".
    writeFileSync(join(root, 'build.json'), '{\n  // the build\n  "compilerOptions": { /* where */ "rootDir": "source", "outDir": "out" },\n  "x": "http://a"\n}\n');
    const source = join(root, 'source', 'cli', 'main.ts');
    const build = join(root, 'out', 'cli', 'main.js');
    writeFileSync(source, '');
    writeFileSync(build, '');
    utimesSync(source, new Date(1_000), new Date(1_000));
    const log: string[] = [];
    describeThisCli(pathToFileURL(source).href, 'build.json');
    assert.deepEqual(thisCli({ compiled: true, log: (line) => log.push(line) })(['sales', 'worker']), { command: process.execPath, args: [build, 'sales', 'worker'] });
    assert.deepEqual(log, [], 'no build was needed');
  });

  it('a CLI that runs from its build runs that build again', () => {
    const build = join(dir, 'main.js');
    describeThisCli(pathToFileURL(build).href);
    assert.deepEqual(thisCli({ compiled: false, nodeFlags: ['--x'] })(['up']), { command: process.execPath, args: ['--x', build, 'up'] });
  });
});

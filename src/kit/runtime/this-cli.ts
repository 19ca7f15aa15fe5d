import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRootOf } from './package-root.ts';

/** A process to start: the executable and its arguments. */
export interface Launch {
  command: string;
  args: string[];
}

export interface ThisCliOptions {
  /** Node flags for the new process (heap and GC settings). */
  nodeFlags?: readonly string[];
  /**
   * Run the CLI compiled to JavaScript, building it first when a source is newer. For the long-running processes
   * of a measured deployment: running from source keeps a TypeScript compiler loaded in every process, which
   * costs about 30 MB of memory each.
   */
  compiled?: boolean;
  /** Told when a build starts. */
  log?: (line: string) => void;
}

interface CliEntry {
  /** The entry module this process runs: a `.ts` source, or its `.js` build. */
  path: string;
  /** The build config beside the package.json above the entry; it says where the build goes. */
  buildConfig: string;
}

let entry: CliEntry | undefined;

/**
 * Called once by the CLI's entry module, with its own `import.meta.url`: the kit then knows how to run this CLI
 * again, from source or from its build, whatever started this process. `buildConfig` is the tsconfig, beside
 * the package.json, whose rootDir and outDir map the source entry to its build.
 */
export function describeThisCli(entryUrl: string, buildConfig = 'tsconfig.build.json'): void {
  entry = { path: fileURLToPath(entryUrl), buildConfig };
}

/**
 * How to run this CLI again: a function from arguments (as in `mensageiro <args>`) to the command that runs
 * them. With `compiled`, the build is checked (and made) once, here, not per process.
 */
export function thisCli(options: ThisCliOptions = {}): (args: readonly string[]) => Launch {
  if (!entry) throw new Error('the CLI has not described itself: its entry module calls describeThisCli(import.meta.url) first');
  const flags = options.nodeFlags ?? [];
  // tsx is resolved here, not from the working directory, so the new process finds it wherever it starts.
  const script =
    entry.path.endsWith('.js') ? [entry.path] : options.compiled ? [built(entry, options.log ?? (() => {}))] : ['--import', import.meta.resolve('tsx/esm'), entry.path];
  return (args) => ({ command: process.execPath, args: [...flags, ...script, ...args] });
}

/** The entry's build, rebuilt first when any source is newer than it. */
function built({ path, buildConfig }: CliEntry, log: (line: string) => void): string {
  const root = packageRootOf(path);
  const config = join(root, buildConfig);
  const { compilerOptions } = JSON.parse(withoutComments(readFileSync(config, 'utf8'))) as { compilerOptions: { rootDir: string; outDir: string } };
  const sources = join(root, compilerOptions.rootDir);
  const output = join(root, compilerOptions.outDir, relative(sources, path)).replace(/\.ts$/, '.js');
  if (existsSync(output) && statSync(output).mtimeMs >= newestMtime(sources)) return output;
  log(`compiling to ${compilerOptions.outDir}/ (npm run build) so the processes start from JavaScript…`);
  const tsc = createRequire(path).resolve('typescript/bin/tsc');
  const build = spawnSync(process.execPath, [tsc, '-p', config], { stdio: 'inherit' });
  if (build.status !== 0 || !existsSync(output)) throw new Error('npm run build failed: fix the compile errors it printed, then run the command again');
  return output;
}

/** tsconfig files are JSON with comments: drop the comments, leaving strings (which may hold "//") whole. */
function withoutComments(text: string): string {
  return text.replace(/("(?:\\.|[^"\\])*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (_match, string?: string) => string ?? '');
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const item of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, item.name);
    newest = Math.max(newest, item.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

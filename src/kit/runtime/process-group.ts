import { type ChildProcess, spawn } from 'node:child_process';
import type { Launch } from './this-cli.ts';

export interface GroupOutput {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface ProcessGroupHooks {
  /** Every line a process prints, as it comes. */
  onLine?(name: string, line: string): void;
  /** A process ended, by itself or by stop(). */
  onExit?(name: string, code: number | null, signal: NodeJS.Signals | null): void;
}

/** How many of its last lines are kept per process, to show why it failed. */
const TAIL_LINES = 20;

/**
 * Local processes started and stopped together (a `cluster` command): each line they print gets the process's
 * name in front, a start and an exit are announced, and `stop` sends SIGTERM, then SIGKILL to whatever outlives
 * `graceMs`. Each process leads a process group of its own: a Ctrl-C at the terminal reaches only this one,
 * which stops them in order, and whatever a process forked (nginx's workers) goes when it goes; otherwise a
 * SIGKILLed nginx master leaves workers holding its port.
 */
export class ProcessGroup {
  readonly #children = new Map<string, ChildProcess>();
  readonly #tails = new Map<string, string[]>();
  #width = 14;

  constructor(
    private readonly out: GroupOutput,
    private readonly hooks: ProcessGroupHooks = {},
  ) {}

  start(name: string, launch: Launch, env: NodeJS.ProcessEnv = process.env): ChildProcess {
    this.#width = Math.max(this.#width, name.length + 1);
    const child = spawn(launch.command, launch.args, { stdio: ['ignore', 'pipe', 'pipe'], env, detached: true });
    const tail = this.#tails.get(name) ?? [];
    this.#tails.set(name, tail);
    const prefix = (chunk: Buffer, stream: NodeJS.WritableStream) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line) continue;
        stream.write(`${name.padEnd(this.#width)}| ${line}\n`);
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        this.hooks.onLine?.(name, line);
      }
    };
    child.stdout!.on('data', (chunk: Buffer) => prefix(chunk, this.out.stdout));
    child.stderr!.on('data', (chunk: Buffer) => prefix(chunk, this.out.stderr));
    child.on('error', (err) => this.announce(name, `cannot start ${launch.command}: ${err.message}`, 'stderr'));
    child.on('exit', (code, signal) => {
      killGroup(child);
      this.#children.delete(name);
      this.announce(name, `exited (${signal ?? `code ${code}`})`);
      this.hooks.onExit?.(name, code, signal);
    });
    this.#children.set(name, child);
    if (child.pid !== undefined) this.announce(name, `started (pid ${child.pid})`);
    return child;
  }

  /** Writes a line of the group's own about a process, with its name in front. */
  announce(name: string, text: string, stream: keyof GroupOutput = 'stdout'): void {
    this.out[stream].write(`${name.padEnd(this.#width)}| ${text}\n`);
  }

  /** The last lines the process of that name printed, over all its starts. */
  tail(name: string): string[] {
    return [...(this.#tails.get(name) ?? [])];
  }

  pids(): Record<string, number> {
    return Object.fromEntries([...this.#children].filter(([, c]) => c.pid !== undefined).map(([name, c]) => [name, c.pid!]));
  }

  /**
   * Stops the processes named in `order`, one batch after another (the front door before the services behind
   * it, the store last), then everything else.
   */
  async stop(graceMs = 10_000, order: string[][] = []): Promise<void> {
    for (const batch of [...order, [...this.#children.keys()]]) {
      const children = batch.map((name) => this.#children.get(name)).filter((c): c is ChildProcess => c !== undefined && c.exitCode === null && c.signalCode === null);
      if (children.length === 0) continue;
      const exited = Promise.all(children.map((c) => new Promise((resolve) => c.once('exit', resolve))));
      for (const child of children) child.kill('SIGTERM');
      const killer = setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), graceMs);
      await exited;
      clearTimeout(killer);
    }
  }
}

/** Whatever is left of the process group an exited process led. */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // nothing left
  }
}

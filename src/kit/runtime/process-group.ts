import { type ChildProcess, spawn } from 'node:child_process';

export interface GroupOutput {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * Local processes started and stopped together (a `cluster` command): each line they print gets the process's
 * name in front, an exit is announced, and `stop` sends SIGTERM, then SIGKILL to whatever outlives `graceMs`.
 */
export class ProcessGroup {
  readonly #children = new Map<string, ChildProcess>();
  readonly #exited: Array<() => void> = [];
  #width = 14;

  constructor(private readonly out: GroupOutput) {}

  start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
    this.#width = Math.max(this.#width, name.length + 1);
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    const prefix = (chunk: Buffer, stream: NodeJS.WritableStream) => {
      for (const line of chunk.toString().split('\n')) if (line) stream.write(`${name.padEnd(this.#width)}| ${line}\n`);
    };
    child.stdout!.on('data', (chunk: Buffer) => prefix(chunk, this.out.stdout));
    child.stderr!.on('data', (chunk: Buffer) => prefix(chunk, this.out.stderr));
    child.on('error', (err) => this.out.stderr.write(`${name.padEnd(this.#width)}| cannot start ${command}: ${err.message}\n`));
    child.on('exit', (code, signal) => {
      this.#children.delete(name);
      this.out.stdout.write(`${name.padEnd(this.#width)}| exited (${signal ?? `code ${code}`})\n`);
      if (this.#children.size === 0) this.#exited.splice(0).forEach((resolve) => resolve());
    });
    this.#children.set(name, child);
    return child;
  }

  get size(): number {
    return this.#children.size;
  }

  pids(): Record<string, number> {
    return Object.fromEntries([...this.#children].filter(([, c]) => c.pid !== undefined).map(([name, c]) => [name, c.pid!]));
  }

  /** Resolves when the first process exits on its own. */
  firstExit(): Promise<string> {
    return new Promise((resolve) => {
      for (const [name, child] of this.#children) child.once('exit', () => resolve(name));
    });
  }

  allExited(): Promise<void> {
    if (this.#children.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#exited.push(resolve));
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

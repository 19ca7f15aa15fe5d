import { type GroupOutput, ProcessGroup } from './process-group.ts';
import { untilSignal } from './signals.ts';
import type { Launch } from './this-cli.ts';

/** One process of a deployment, started again each time it exits until the supervisor stops. */
export interface Role {
  name: string;
  launch: Launch;
  env?: NodeJS.ProcessEnv;
  /** Runs before every start: clears what a killed predecessor left behind (a unix socket file). */
  prepare?: () => void;
}

/**
 * When a role is restarted and when the supervisor gives up. An exit within `quickExitMs` of the start is a
 * crash at start; after `maxQuickExits` of them in a row the role is taken as unable to run, and the
 * supervisor stops everything rather than restart it forever. The wait before a restart doubles with each
 * crash at start, from `firstDelayMs` up to `maxDelayMs`; a role that ran longer restarts after `firstDelayMs`.
 */
export interface RestartPolicy {
  quickExitMs: number;
  maxQuickExits: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { quickExitMs: 10_000, maxQuickExits: 5, firstDelayMs: 250, maxDelayMs: 8_000 };

export interface SupervisorOptions {
  policy?: RestartPolicy;
  /** Told each time a role's process starts, first or again (for a file that lists the deployment's pids). */
  onStarted?: (name: string, pid: number) => void;
}

interface RoleState {
  role: Role;
  startedAt: number;
  quickExits: number;
  restarts: number;
  timer?: NodeJS.Timeout;
}

interface LineWaiter {
  name: string;
  pattern: RegExp;
  resolve: (line: string) => void;
}

/**
 * Keeps a deployment's roles running as local processes (the `cluster` commands): a role that exits is started
 * again after a back-off while the others keep running, and each restart is printed. It stops everything only
 * when told to (Ctrl-C), or gives up when a role keeps crashing at start, saying which and with its last lines.
 */
export class Supervisor {
  readonly #roles = new Map<string, RoleState>();
  readonly #group: ProcessGroup;
  readonly #waiters = new Set<LineWaiter>();
  readonly #gaveUp: Promise<string>;
  #giveUp: (reason: string) => void = () => {};
  #stopping = false;

  constructor(
    out: GroupOutput,
    private readonly options: SupervisorOptions = {},
  ) {
    this.#group = new ProcessGroup(out, { onLine: (name, line) => this.#onLine(name, line), onExit: (name, code, signal) => this.#onExit(name, code, signal) });
    this.#gaveUp = new Promise((resolve) => (this.#giveUp = resolve));
  }

  /** Resolves with the reason when the supervisor gave up on a role; it then stops restarting anything. */
  get gaveUp(): Promise<string> {
    return this.#gaveUp;
  }

  start(role: Role): void {
    if (this.#roles.has(role.name)) throw new Error(`a role named ${role.name} is running already`);
    const state: RoleState = { role, startedAt: 0, quickExits: 0, restarts: 0 };
    this.#roles.set(role.name, state);
    this.#launch(state);
  }

  /**
   * Resolves with the first line the role prints that matches `pattern`, from this start or a later one;
   * rejects when the supervisor gives up first or `timeoutMs` passes.
   */
  ready(name: string, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    let waiter: LineWaiter | undefined;
    let timer: NodeJS.Timeout | undefined;
    const line = new Promise<string>((resolve, reject) => {
      this.#waiters.add((waiter = { name, pattern, resolve }));
      timer = setTimeout(() => reject(new Error(`${name} was not ready within ${timeoutMs / 1_000} s: see its output above`)), timeoutMs);
    });
    return this.whileUp(line).finally(() => {
      clearTimeout(timer);
      this.#waiters.delete(waiter!);
    });
  }

  /** Resolves on Ctrl-C or SIGTERM with undefined, or with the reason when the supervisor gave up on a role. */
  untilStopped(): Promise<string | undefined> {
    return Promise.race([untilSignal().then(() => undefined), this.#gaveUp]);
  }

  /** `work`, unless the supervisor gives up first: then it rejects with the reason. */
  whileUp<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.#gaveUp.then((reason) => Promise.reject(new Error(reason)))]);
  }

  /** The running process of each role. */
  pids(): Record<string, number> {
    return this.#group.pids();
  }

  /** How many times each role has been restarted. */
  restarts(): Record<string, number> {
    return Object.fromEntries([...this.#roles].map(([name, state]) => [name, state.restarts]));
  }

  /** Stops restarting, then stops the roles in `order` (batches, first to last) and the rest after them. */
  async stop(graceMs = 10_000, order: string[][] = []): Promise<void> {
    this.#stopping = true;
    for (const state of this.#roles.values()) clearTimeout(state.timer);
    await this.#group.stop(graceMs, order);
  }

  #launch(state: RoleState): void {
    state.timer = undefined;
    if (this.#stopping) return;
    const { role } = state;
    try {
      role.prepare?.();
    } catch (err) {
      this.#group.announce(role.name, `cannot prepare its start: ${(err as Error).message}`, 'stderr');
    }
    state.startedAt = Date.now();
    const child = this.#group.start(role.name, role.launch, role.env);
    if (child.pid !== undefined) this.options.onStarted?.(role.name, child.pid);
  }

  #onExit(name: string, code: number | null, signal: NodeJS.Signals | null): void {
    const state = this.#roles.get(name);
    if (!state || this.#stopping) return;
    const policy = this.options.policy ?? DEFAULT_RESTART_POLICY;
    const ranMs = Date.now() - state.startedAt;
    state.quickExits = ranMs < policy.quickExitMs ? state.quickExits + 1 : 0;
    const how = signal ?? `code ${code}`;
    if (state.quickExits >= policy.maxQuickExits) {
      const tail = this.#group.tail(name).map((line) => `    ${line}`).join('\n');
      const reason = `${name} exited within ${policy.quickExitMs / 1_000} s of starting ${state.quickExits} times in a row (last: ${how}); its last lines:\n${tail || '    (none)'}`;
      this.#group.announce(name, `giving up on it: ${reason}`, 'stderr');
      this.#stopping = true;
      this.#giveUp(reason);
      return;
    }
    const delayMs = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** state.quickExits);
    state.restarts++;
    this.#group.announce(name, `restarting in ${delayMs / 1_000} s (restart ${state.restarts}; it ran ${(ranMs / 1_000).toFixed(1)} s and exited with ${how})`);
    state.timer = setTimeout(() => this.#launch(state), delayMs);
  }

  #onLine(name: string, line: string): void {
    for (const waiter of this.#waiters) {
      if (waiter.name === name && waiter.pattern.test(line)) {
        this.#waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  }
}

import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from './wait.ts';

type Cluster = ChildProcess & { output: () => string };

/** The pid a cluster last announced for one of its roles ("<role> | started (pid N)"), if any. */
export function rolePid(output: string, role: string): number | undefined {
  const escaped = role.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const started = [...output.matchAll(new RegExp(`^${escaped}\\s+\\| started \\(pid (\\d+)\\)$`, 'gm'))];
  return started.length === 0 ? undefined : Number(started.at(-1)![1]);
}

export interface Recovery {
  killed: number;
  restarted: number;
}

/**
 * SIGKILLs the role's process, then requires that the service answers again within
 * `answerWithinMs` of the kill and that the role comes back by itself (a new pid announced). `answers` is one
 * attempt at using the service: true when it answered. With `ready`, it then waits for the new process to print
 * a line matching it, so that the next kill finds the role serving again.
 */
export async function killAndRecover(cluster: Cluster, role: string, answers: () => Promise<boolean>, ready?: RegExp, answerWithinMs = 5_000): Promise<Recovery> {
  const killed = rolePid(cluster.output(), role);
  if (killed === undefined) throw new Error(`the cluster announced no pid for ${role}`);
  process.kill(killed, 'SIGKILL');
  const killedAt = Date.now();
  // The kill must land first: an answer from before it proves nothing.
  await waitFor(() => new RegExp(`^${role}\\s+\\| exited \\(SIGKILL\\)$`, 'm').test(cluster.output().split(`(pid ${killed})`).at(-1)!), `${role} to be seen dead`, answerWithinMs);
  await waitFor(
    async () => {
      try {
        return await answers();
      } catch {
        await sleep(50);
        return false;
      }
    },
    `the service to answer again after ${role} was killed`,
    answerWithinMs - (Date.now() - killedAt),
  );
  await waitFor(() => (rolePid(cluster.output(), role) ?? killed) !== killed, `${role} to be started again`, 30_000);
  const restarted = rolePid(cluster.output(), role)!;
  if (ready) {
    const prefixed = new RegExp(`^${role}\\s+\\| .*${ready.source}`, 'm');
    await waitFor(() => prefixed.test(cluster.output().split(`(pid ${restarted})`).at(-1)!), `${role} to be ready again`, 30_000);
  }
  if (cluster.exitCode !== null || cluster.signalCode !== null) throw new Error(`the cluster exited when ${role} was killed:\n${cluster.output().slice(-3_000)}`);
  return { killed, restarted };
}

/** A steady load from the test: `send` every `everyMs` until stopped; counts what got an answer. */
export function steadyLoad(send: () => Promise<boolean>, everyMs: number): { stop: () => Promise<{ sent: number; answered: number }> } {
  let stopped = false;
  let sent = 0;
  let answered = 0;
  const inFlight = new Set<Promise<void>>();
  const loop = (async () => {
    while (!stopped) {
      sent++;
      const attempt = send().then(
        (ok) => void (ok && answered++),
        () => {},
      );
      inFlight.add(attempt);
      void attempt.finally(() => inFlight.delete(attempt));
      await sleep(everyMs);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      await Promise.all(inFlight);
      return { sent, answered };
    },
  };
}

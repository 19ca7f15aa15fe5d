import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { CliIo } from '../cli/args.ts';
import type { Launch } from './this-cli.ts';

/** Set in the child of runWithNodeFlags, so that a child Node that somehow lacks the flags does not start another. */
export const NODE_FLAGS_RERUN_ENV = 'MENSAGEIRO_NODE_FLAGS_RERUN';

/** True when this process was started with every one of `flags`, or is itself the rerun of a command that asked for them. */
export function hasNodeFlags(flags: readonly string[]): boolean {
  return process.env[NODE_FLAGS_RERUN_ENV] === '1' || flags.every((flag) => process.execArgv.includes(flag));
}

/**
 * Runs `launch` (this CLI again with the flags it needs: thisCli(args, { nodeFlags })), its output written to
 * `io`, and resolves its exit code (128 + the signal's number when a signal ended it). V8 fixes its heap
 * settings when it starts, and Node refuses some of them in NODE_OPTIONS, so a command that needs them runs
 * itself again this way. The child has a
 * process group of its own, so Ctrl-C reaches it once, passed on by this process (from the terminal it would get
 * that SIGINT twice, and the second would cut its clean-up short); this one waits for the child to finish.
 */
export function runWithNodeFlags(launch: Launch, io: CliIo): Promise<number> {
  const child = spawn(launch.command, launch.args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, [NODE_FLAGS_RERUN_ENV]: '1' },
  });
  child.stdout.pipe(io.stdout, { end: false });
  child.stderr.pipe(io.stderr, { end: false });
  const forward = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const stopForwarding = () => {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  };
  return new Promise<number>((resolve, reject) => {
    child.once('error', (err) => {
      stopForwarding();
      reject(err);
    });
    child.once('close', (code, signal) => {
      stopForwarding();
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
}

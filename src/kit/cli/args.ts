import { parseArgs } from 'node:util';
import { parseDuration } from '../loadgen/duration.ts';

/** A mistake on the command line: the message says what to type instead, and where the help is. Exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly helpCommand: string,
  ) {
    super(message);
  }
}

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr };

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: false }>;

/** node's parseArgs, strict, with its errors turned into UsageErrors that point at the help. */
export function parseOptions<T extends OptionSpec>(argv: string[], help: string, options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional.*$/s, ''), help);
  }
}

/** A duration with a unit; zero is accepted only where `allowZero` says so (a warm-up may be skipped, a run may not). */
export function durationOption(flag: string, value: string, help: string, allowZero = false): number {
  if (allowZero && value === '0') return 0;
  try {
    const ms = parseDuration(value);
    if (ms > 0 || (allowZero && ms === 0)) return ms;
  } catch {
    // reported below
  }
  throw new UsageError(`${flag} "${value}" is not a duration: write it with a unit, as in 500ms, 10s or 2m`, help);
}

export function positiveNumber(flag: string, value: string, help: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} takes a number above 0, got "${value}"`, help);
  return n;
}

export function positiveInteger(flag: string, value: string, help: string): number {
  const n = positiveNumber(flag, value, help);
  if (!Number.isInteger(n)) throw new UsageError(`${flag} takes a whole number, got "${value}"`, help);
  return n;
}

export function nonNegativeInteger(flag: string, value: string, help: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} takes a whole number from 0 up, got "${value}"`, help);
  return n;
}

/** A TCP port to listen on; 0 lets the system pick a free one. */
export function portOption(flag: string, value: string, help: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65_535) throw new UsageError(`${flag} takes a port from 0 to 65535, got "${value}"`, help);
  return n;
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return url;
  }
}

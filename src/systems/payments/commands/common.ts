import { hostname } from 'node:os';

/** A failure outside the user's command line (an engine down, a port taken): exit code 1, with what to do. */
export class PaymentsCommandError extends Error {}

export function defaultProcessorUrl(which: 'default' | 'fallback'): string {
  const fromEnv = which === 'default' ? process.env.PROCESSOR_DEFAULT_URL : process.env.PROCESSOR_FALLBACK_URL;
  return fromEnv ?? (which === 'default' ? 'http://localhost:8001' : 'http://localhost:8002');
}

export function defaultInstanceId(): string {
  return `${hostname()}-${process.pid}`;
}

export function httpUrl(flag: string, value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:') return value.replace(/\/$/, '');
  } catch {
    // reported below
  }
  throw new PaymentsCommandError(`${flag} "${value}" is not an http:// URL, as in http://localhost:8001`);
}

export function redactStore(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

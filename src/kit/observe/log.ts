/**
 * Logger on stderr: JSON lines, or readable lines when stderr is a terminal. MENSAGEIRO_LOG_LEVEL picks the
 * threshold (debug, info, warn, error, silent); MENSAGEIRO_LOG_FORMAT=json or text overrides the format.
 */
const levels = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof levels;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

function threshold(): number {
  const name = (process.env.MENSAGEIRO_LOG_LEVEL ?? 'info') as LogLevel;
  return levels[name] ?? levels.info;
}

export function logFormat(): 'json' | 'text' {
  const chosen = process.env.MENSAGEIRO_LOG_FORMAT;
  if (chosen === 'json' || chosen === 'text') return chosen;
  return process.stderr.isTTY ? 'text' : 'json';
}

export interface LogLine extends Record<string, unknown> {
  time: string;
  level: LogLevel;
  name: string;
  msg: string;
}

/** `19:25:38 sales: worker is up  worker=mom-worker-1`; warnings and errors say so after the time. */
export function textLine({ time, level, name, msg, ...fields }: LogLine): string {
  const clock = time.slice(11, 19);
  const mark = level === 'info' || level === 'debug' ? '' : ` ${level.toUpperCase()}`;
  const extra = Object.entries(fields).map(([key, value]) => `${key}=${fieldText(value)}`);
  return `${clock}${mark} ${name}: ${msg}${extra.length > 0 ? `  ${extra.join(' ')}` : ''}`;
}

function fieldText(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (value !== null && typeof value === 'object' && 'message' in value && typeof value.message === 'string') return JSON.stringify(value.message);
  return JSON.stringify(value) ?? String(value);
}

export function createLogger(name: string): Logger {
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (levels[level] < threshold()) return;
    const line: LogLine = { time: new Date().toISOString(), level, name, msg, ...fields };
    if (fields?.err instanceof Error) line.err = { type: fields.err.name, message: fields.err.message };
    process.stderr.write(`${logFormat() === 'text' ? textLine(line) : JSON.stringify(line)}\n`);
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
  };
}

/** JSON-lines logger on stderr; MENSAGEIRO_LOG_LEVEL picks the threshold (debug, info, warn, error, silent). */
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

export function createLogger(name: string): Logger {
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (levels[level] < threshold()) return;
    const line: Record<string, unknown> = { time: new Date().toISOString(), level, name, msg, ...fields };
    if (fields?.err instanceof Error) line.err = { type: fields.err.name, message: fields.err.message };
    process.stderr.write(`${JSON.stringify(line)}\n`);
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
  };
}

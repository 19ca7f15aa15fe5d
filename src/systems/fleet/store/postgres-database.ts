import pg from 'pg';
import { redactUrl } from '../../../kit/cli/args.ts';
import { createLogger } from '../../../kit/observe/log.ts';
import { type SqlDatabase, type SqlQueryable, checkSchemaName } from './sql-database.ts';

const log = createLogger('fleet.postgres');
const RELISTEN_MS = 1_000;

export interface PostgresOptions {
  schema: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
}

/** PostgreSQL through a pg pool. Fails fast when it cannot be reached. */
export async function openPostgres(url: string, options: PostgresOptions): Promise<SqlDatabase> {
  const schema = checkSchemaName(options.schema);
  const config: pg.PoolConfig = { connectionString: url, max: options.poolSize ?? 10, connectionTimeoutMillis: 5_000 };
  const pool = new pg.Pool(config);
  // An idle connection that the server drops is replaced on the next query; the pool must not crash the process.
  pool.on('error', (err) => log.warn('an idle PostgreSQL connection failed', { err }));
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => {});
    throw new Error(`cannot reach PostgreSQL at ${redactUrl(url)}: ${(err as Error).message}`, { cause: err });
  }
  const listeners = new Set<Listener>();
  return {
    engine: 'postgres',
    schema,
    async query<R extends object>(text: string, params?: readonly unknown[]) {
      return (await pool.query(text, params as unknown[] | undefined)).rows as R[];
    },
    async exec(script) {
      await pool.query(script);
    },
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const tx: SqlQueryable = {
          query: async <R extends object>(text: string, params?: readonly unknown[]) => (await client.query(text, params as unknown[] | undefined)).rows as R[],
          exec: async (script) => void (await client.query(script)),
        };
        const result = await work(tx);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async listen(channel, onNotify) {
      const listener = new Listener(config, channel, onNotify);
      listeners.add(listener);
      await listener.start();
      return async () => {
        listeners.delete(listener);
        await listener.stop();
      };
    },
    async close() {
      await Promise.allSettled([...listeners].map((listener) => listener.stop()));
      await pool.end();
    },
  };
}

/** LISTEN on a connection of its own, opened again after a drop until stopped. */
class Listener {
  #client: pg.Client | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly channel: string,
    private readonly onNotify: () => void,
  ) {}

  async start(): Promise<void> {
    const client = new pg.Client(this.config);
    this.#client = client;
    client.on('notification', (message) => {
      if (message.channel === this.channel) this.onNotify();
    });
    client.on('error', () => this.#again(client));
    client.on('end', () => this.#again(client));
    await client.connect();
    await client.query(`LISTEN "${this.channel}"`);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#client?.end().catch(() => {});
  }

  #again(client: pg.Client): void {
    if (this.#stopped || client !== this.#client || this.#timer) return;
    client.end().catch(() => {});
    log.warn('the LISTEN connection to PostgreSQL dropped; polling alone until it is back', { channel: this.channel });
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.start().catch(() => this.#again(this.#client!));
    }, RELISTEN_MS);
  }
}

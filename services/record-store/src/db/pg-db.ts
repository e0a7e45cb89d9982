/**
 * {@link RecordDb} on a PostgreSQL server through a node-postgres pool. LISTEN
 * runs on one dedicated connection that reconnects after errors, so a live
 * tail keeps working across a database restart.
 */
import pg from 'pg';
import { RecordStoreError } from '../errors.js';
import { encodeBinaryArray, isArrayParam } from './array-param.js';
import type { NotifyListener, Queryable, QueryResult, RecordDb } from './port.js';

/** Options of {@link createPgDb}. */
export type PgDbOptions = {
  /** `postgres://` URL. */
  readonly url: string;
  /** Pool size. Default 10. */
  readonly maxConnections?: number;
  /** Reports connection-level errors (they are otherwise retried). */
  readonly onError?: (e: unknown) => void;
};

function wrap(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    query: async <R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> => {
      const r = await client.query(
        sql,
        params.map((p) => (isArrayParam(p) ? encodeBinaryArray(p) : p)),
      );
      return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
    },
  };
}

/** Connects a pool to `url` (lazily: the first query opens a connection). */
export function createPgDb(opts: PgDbOptions): RecordDb {
  const pool = new pg.Pool({ connectionString: opts.url, max: opts.maxConnections ?? 10 });
  pool.on('error', (e) => opts.onError?.(e));
  const listeners = new Map<string, Set<NotifyListener>>();
  let listener: pg.Client | undefined;
  let closed = false;

  const connectListener = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: opts.url });
    client.on('notification', (n) => {
      for (const fn of listeners.get(n.channel) ?? []) fn(n.payload ?? '');
    });
    client.on('error', (e) => {
      opts.onError?.(e);
      listener = undefined;
      if (!closed) setTimeout(() => void reconnect(), 1000).unref();
    });
    await client.connect();
    for (const channel of listeners.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    listener = client;
  };
  const reconnect = async (): Promise<void> => {
    if (closed || listener) return;
    await connectListener().catch((e: unknown) => {
      opts.onError?.(e);
      if (!closed) setTimeout(() => void reconnect(), 1000).unref();
    });
  };

  const guard = (): void => {
    if (closed) throw new RecordStoreError('UNAVAILABLE', 'database closed');
  };
  const base = wrap(pool);
  return {
    kind: 'postgres',
    query: (sql, params) => (guard(), base.query(sql, params)),
    transaction: async (fn) => {
      guard();
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    },
    listen: async (channel, fn) => {
      guard();
      const set = listeners.get(channel) ?? new Set<NotifyListener>();
      const first = set.size === 0;
      set.add(fn);
      listeners.set(channel, set);
      if (!listener) await connectListener();
      else if (first) await listener.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      return async () => {
        set.delete(fn);
      };
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await listener?.end().catch(() => undefined);
      await pool.end();
    },
  };
}

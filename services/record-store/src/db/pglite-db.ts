/**
 * {@link RecordDb} on embedded PGlite (PostgreSQL in WebAssembly, in-process):
 * the all-in-one default, with its data in a directory. PGlite has a single
 * connection, so statements and transactions run one at a time; LISTEN/NOTIFY
 * work within the process.
 */
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { RecordStoreError } from '../errors.js';
import { isArrayParam } from './array-param.js';
import type { Queryable, QueryResult, RecordDb } from './port.js';

/** Options of {@link createPgliteDb}. */
export type PgliteDbOptions = {
  /** Data directory; undefined keeps everything in memory (tests). */
  readonly dataDir?: string;
  /**
   * `shared_buffers` in bytes (rounded to kB). Unset keeps PGlite's default (128 MiB), which
   * costs about 125 MB of resident memory more than 16 MiB once the buffers are touched.
   */
  readonly sharedBuffersBytes?: number;
};

function wrap(db: PGlite | Transaction): Queryable {
  return {
    query: async <R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> => {
      const r = await db.query<R>(
        sql,
        params.map((p) => (isArrayParam(p) ? p.values : p)),
      );
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    },
  };
}

/** Opens (creating if needed) a PGlite database. */
export async function createPgliteDb(opts: PgliteDbOptions = {}): Promise<RecordDb> {
  const db = await PGlite.create({
    ...(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir }),
    ...(opts.sharedBuffersBytes === undefined
      ? {}
      : { postgresqlconf: [`shared_buffers=${Math.max(128, Math.round(opts.sharedBuffersBytes / 1024))}kB`] }),
  });
  let closed = false;
  const guard = (): void => {
    if (closed) throw new RecordStoreError('UNAVAILABLE', 'database closed');
  };
  const base = wrap(db);
  return {
    kind: 'pglite',
    query: (sql, params) => (guard(), base.query(sql, params)),
    transaction: (fn) => (guard(), db.transaction((tx) => fn(wrap(tx)))),
    listen: async (channel, fn) => {
      guard();
      const unlisten = await db.listen(channel, fn);
      return () => unlisten();
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await db.close();
    },
  };
}

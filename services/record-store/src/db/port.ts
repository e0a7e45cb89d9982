/**
 * The database port. Domain code speaks SQL (PostgreSQL dialect) through
 * `RecordDb`; `createPgDb` (node-postgres pool) and `createPgliteDb` (embedded
 * PGlite) implement it and run the same migrations and the same test suite.
 *
 * Lifecycle: `OPEN` after creation → `CLOSED` after `close()`; a query on a
 * closed database rejects with `UNAVAILABLE`.
 */

/** Rows of one statement. */
export type QueryResult<R> = { readonly rows: R[]; readonly rowCount: number };

/** Something that runs statements: the database itself or a transaction. */
export type Queryable = {
  /**
   * Runs one statement with `$1…` parameters. Arrays bind as PostgreSQL arrays (an `arrayParam` in
   * binary form where the database supports it), Uint8Array as bytea.
   */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
};

/** A notification from `NOTIFY channel`. */
export type NotifyListener = (payload: string) => void;

/** The record store's database. */
export type RecordDb = Queryable & {
  /** `postgres` (a server, possibly shared by replicas) or `pglite` (in-process, one replica). */
  readonly kind: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction: COMMIT when it resolves, ROLLBACK when it throws (rethrown). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Subscribes to `NOTIFY channel` from any connection; resolves with an unsubscribe function. */
  listen(channel: string, listener: NotifyListener): Promise<() => Promise<void>>;
  /** Closes connections; idempotent. */
  close(): Promise<void>;
};

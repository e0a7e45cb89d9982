/**
 * The migration runner: a `schema_migrations` table records what was applied;
 * each pending migration runs once, in version order, in its own transaction
 * holding an advisory lock, so replicas starting together apply it once.
 */
import type { Migration } from './migrations.js';
import type { RecordDb } from './port.js';

const LOCK_KEY = 7406_0001;

/** What `migrate` did. */
export type MigrateResult = { readonly applied: readonly number[]; readonly current: number };

/**
 * Applies the migrations not yet applied. Refuses (throws) when the database
 * holds a version this code does not know: it was migrated by newer code.
 */
export async function migrate(db: RecordDb, migrations: readonly Migration[]): Promise<MigrateResult> {
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
  });
  const applied: number[] = [];
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  for (const m of sorted) {
    const did = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      const seen = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
      if (seen.rows.length > 0) return false;
      await execScript(tx, m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      return true;
    });
    if (did) applied.push(m.version);
  }
  const top = await db.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  const current = Number(top.rows[0]?.v ?? 0);
  const known = sorted.at(-1)?.version ?? 0;
  if (current > known) throw new Error(`database schema is at version ${current}, newer than this code (${known})`);
  return { applied, current };
}

/** Splits a script on statement boundaries (outside `$$` bodies) and runs each statement. */
async function execScript(tx: { query(sql: string): Promise<unknown> }, sql: string): Promise<void> {
  for (const statement of splitStatements(sql)) await tx.query(statement);
}

/** The statements of a script: split on `;` outside dollar-quoted bodies; empty ones dropped. */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let current = '';
  let inDollar = false;
  for (let i = 0; i < sql.length; i++) {
    if (sql.startsWith('$$', i)) {
      inDollar = !inDollar;
      current += '$$';
      i++;
      continue;
    }
    const ch = sql[i] as string;
    if (ch === ';' && !inDollar) {
      if (current.trim() !== '') out.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim() !== '') out.push(current.trim());
  return out;
}

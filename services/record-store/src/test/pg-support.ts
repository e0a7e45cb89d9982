/**
 * A fresh, uniquely named database on a PostgreSQL server for one test file
 * or suite part, so parts never see each other's rows.
 */
import pg from 'pg';

/** Creates a new database on the server at `serverUrl` and returns its URL. */
export async function freshDatabase(serverUrl: string, prefix = 'rs'): Promise<string> {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A unique Kafka topic prefix, so test files never share topics or consumer groups. */
export function uniquePrefix(base: string): string {
  return `${base}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

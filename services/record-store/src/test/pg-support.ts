/**
 * A fresh, uniquely named database on a PostgreSQL server for one test file
 * or suite part, so parts never see each other's rows.
 */
import { createDatabase } from '@nightglow/testenv';

/** Creates a new, uniquely named database on the server at `serverUrl` and returns its URL. */
export async function freshDatabase(serverUrl: string, prefix = 'rs'): Promise<string> {
  return createDatabase(serverUrl, `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`);
}

/** A unique Kafka topic prefix, so test files never share topics or consumer groups. */
export function uniquePrefix(base: string): string {
  return `${base}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

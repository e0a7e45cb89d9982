/**
 * Where the packaging lives. Paths are computed from this file's place
 * (`packages/packaging-tests/{src,dist}`), so the tests run from any cwd.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The Helm chart folder. */
export const CHART_DIR = join(REPO_ROOT, 'charts', 'nightglow');

/** The dashboards (one home: the chart ships them; compose mounts the same folder). */
export const DASHBOARDS_DIR = join(CHART_DIR, 'dashboards');

/**
 * `../shared/schemas` beside the clone (CI puts a read-only copy of shared/ there).
 * Throws a message naming the expected place when it is missing.
 */
export function sharedSchema(file: string): string {
  const path = resolve(REPO_ROOT, '..', 'shared', 'schemas', file);
  if (!existsSync(path)) throw new Error(`${path} is missing: the shared/ folder must sit beside the repository`);
  return path;
}

/** Reads a JSON file. */
export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8')) as unknown;
}

/** Every document of a YAML stream (empty documents dropped); throws on a YAML error. */
export function parseYamlDocs(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const doc of parseAllDocuments(text, { merge: true })) {
    if (doc.errors.length > 0) throw new Error(`YAML error: ${doc.errors[0]?.message ?? ''}`);
    const value = doc.toJS() as unknown;
    if (value !== null && typeof value === 'object') out.push(value as Record<string, unknown>);
  }
  return out;
}

/**
 * The blueprint file: YAML or proto3 JSON of `BlueprintFile`, parsed and
 * validated as a whole. Any problem rejects the file with the field named (e.g.
 * `blueprints[2].trigger`); a rejected file changes nothing.
 */
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { BlueprintSchema, type Blueprint } from '@nightglow/contracts/instrumentation/v1';
import type { FieldViolation } from '@nightglow/runtime';
import { parse as parseYaml } from 'yaml';
import { SidecarError } from '../errors.js';
import { normalizeBlueprint } from './builtins.js';
import { blueprintProblems } from './validate.js';

/**
 * Where blueprint files come from (a port): the configured file, or a test's string.
 * `load` resolves with the text, or undefined when no file is configured.
 */
export type BlueprintSource = {
  /** Human-readable origin for logs, e.g. the file path. */
  readonly origin: string;
  load(): Promise<string | undefined>;
};

function protoFieldName(message: string): string | undefined {
  const m = /Blueprint\.([a-z_]+)/.exec(message) ?? /field "?([a-zA-Z_]+)"?/.exec(message);
  return m?.[1];
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function decodeOne(raw: unknown, at: string, out: FieldViolation[]): Blueprint | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    out.push({ field: at, description: 'must be an object' });
    return undefined;
  }
  try {
    return normalizeBlueprint(fromJson(BlueprintSchema, raw as JsonValue));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const field = protoFieldName(message);
    out.push({ field: field === undefined ? at : `${at}.${snake(field)}`, description: message });
    return undefined;
  }
}

/** Decodes and validates blueprints from parsed JSON/YAML data; throws INVALID_ARGUMENT naming every bad field. */
export function blueprintsFromData(data: unknown): Blueprint[] {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw SidecarError.invalid([{ field: '', description: 'a blueprint file is an object with a blueprints list' }]);
  }
  const record = data as Record<string, unknown>;
  const violations: FieldViolation[] = [];
  for (const key of Object.keys(record)) {
    if (key !== 'blueprints') violations.push({ field: key, description: 'unknown field' });
  }
  const list = record['blueprints'] ?? [];
  if (!Array.isArray(list)) throw SidecarError.invalid([{ field: 'blueprints', description: 'must be a list' }]);
  const seen = new Map<string, number>();
  const blueprints: Blueprint[] = [];
  list.forEach((raw: unknown, i) => {
    const bp = decodeOne(raw, `blueprints[${i}]`, violations);
    if (bp === undefined) return;
    violations.push(...blueprintProblems(bp, `blueprints[${i}]`));
    const dup = seen.get(bp.name);
    if (dup !== undefined)
      violations.push({ field: `blueprints[${i}].name`, description: `duplicates blueprints[${dup}]` });
    seen.set(bp.name, i);
    blueprints.push(bp);
  });
  if (violations.length > 0) throw SidecarError.invalid(violations);
  return blueprints;
}

/** Parses a blueprint file's text (YAML, which includes JSON); throws INVALID_ARGUMENT naming the problem. */
export function parseBlueprintFile(text: string): Blueprint[] {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw SidecarError.invalid([{ field: '', description: `not YAML or JSON: ${message}` }]);
  }
  return blueprintsFromData(data ?? {});
}

/** A {@link BlueprintSource} reading `path` (undefined: no file, built-ins only). */
export function createFileBlueprintSource(
  path: string | undefined,
  readFile: (path: string) => Promise<string>,
): BlueprintSource {
  return {
    origin: path ?? '(built-ins only)',
    load: () => (path === undefined ? Promise.resolve(undefined) : readFile(path)),
  };
}

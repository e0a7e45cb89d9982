/**
 * `task run --site URL`: the samples target the demo site on
 * `http://127.0.0.1:8088`; rebasing replaces that origin, wherever a string of
 * the spec starts with it, by URL (which may carry a path prefix). Strings
 * that merely contain the origin (e.g. inside a regular expression) are left alone.
 */
import { fromJson, toJson, type JsonValue } from '@bufbuild/protobuf';
import { TaskSpecSchema, type TaskSpec } from '@nightglow/contracts/executor/v1';
import { parseBaseUrl } from '../endpoints.js';

/** The demo site's origin the samples are written against. */
export const DEMO_ORIGIN = 'http://127.0.0.1:8088';

/** `from` + rest → `to` + rest, when `value` starts with `from` at a URL boundary; otherwise `value`. */
export function rebaseUrl(value: string, from: string, to: string): string {
  const src = from.replace(/\/+$/, '');
  if (!value.startsWith(src)) return value;
  const rest = value.slice(src.length);
  if (rest !== '' && !/^[/?#]/.test(rest)) return value;
  return `${to.replace(/\/+$/, '')}${rest}`;
}

function walk(v: JsonValue, map: (s: string) => string): JsonValue {
  if (typeof v === 'string') return map(v);
  if (Array.isArray(v)) return v.map((x) => walk(x, map));
  if (v !== null && typeof v === 'object') {
    const out: { [k: string]: JsonValue } = {};
    for (const [k, x] of Object.entries(v)) out[k] = walk(x, map);
    return out;
  }
  return v;
}

/** Validates `--site` (an http(s) URL) and returns it without a trailing slash. */
export function siteArg(raw: string): string {
  const url = parseBaseUrl(raw, '--site');
  return url.toString().replace(/\/+$/, '');
}

/** A copy of `spec` with every string starting with `from` (default the demo origin) rebased onto `to`. */
export function rebaseSpec(spec: TaskSpec, to: string, from = DEMO_ORIGIN): TaskSpec {
  const json = toJson(TaskSpecSchema, spec);
  return fromJson(
    TaskSpecSchema,
    walk(json, (s) => rebaseUrl(s, from, to)),
  );
}

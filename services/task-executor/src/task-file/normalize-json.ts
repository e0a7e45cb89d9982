/**
 * Walks a parsed task file (proto3 JSON shape) along the protobuf
 * descriptor: expands short enum values (`load` → `WAIT_UNTIL_LOAD`,
 * `visible` → `ELEMENT_STATE_VISIBLE`), and reports unknown fields — an
 * unknown action among them — with their path (`actions[3].clik`) and the
 * nearest known name.
 */
import type { DescEnum, DescField, DescMessage, JsonValue } from '@bufbuild/protobuf';

/** One problem found while walking: the camelCase path and what is wrong. */
export type JsonProblem = { readonly path: string; readonly message: string };

const WKT = /^google\.protobuf\./;

function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0] ?? 0;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j] ?? 0;
      d[j] = Math.min((d[j] ?? 0) + 1, (d[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length] ?? 0;
}

function suggest(key: string, names: readonly string[]): string {
  const best = names.map((n) => ({ n, d: distance(key.toLowerCase(), n.toLowerCase()) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, key.length / 3) ? ` (did you mean ${best.n}?)` : '';
}

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/** Durations may be written `500ms`, `30s`, `2m`, `1h` or `1.5s`; proto3 JSON wants seconds (`"0.5s"`). */
function duration(v: JsonValue, path: string, out: JsonProblem[]): JsonValue {
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(v.trim()) : null;
  if (!m) {
    out.push({ path, message: `${JSON.stringify(v)} is not a duration (e.g. 500ms, 30s, 2m, 1h)` });
    return v;
  }
  const seconds = Number(m[1]) * (UNIT_SECONDS[m[2] ?? 's'] ?? 1);
  return `${Number(seconds.toFixed(9))}s`;
}

function enumValue(v: JsonValue, e: DescEnum, path: string, out: JsonProblem[]): JsonValue {
  if (typeof v !== 'string') return v;
  const prefix = (e.sharedPrefix ?? '').toUpperCase();
  const upper = v.toUpperCase().replace(/-/g, '_');
  const hit = e.values.find((x) => x.name === v || x.name === `${prefix}${upper}`);
  if (hit) return hit.name;
  const shorts = e.values.filter((x) => x.number !== 0).map((x) => x.name.slice(prefix.length).toLowerCase());
  out.push({ path, message: `unknown value ${JSON.stringify(v)}; one of ${shorts.join(', ')}` });
  return v;
}

function single(
  v: JsonValue,
  f: DescField,
  kind: 'enum' | 'message' | 'scalar',
  path: string,
  out: JsonProblem[],
): JsonValue {
  if (kind === 'enum' && f.enum) return enumValue(v, f.enum, path, out);
  if (kind === 'message' && f.message) return normalizeJson(v, f.message, path, out);
  return v;
}

function fieldValue(v: JsonValue, f: DescField, path: string, out: JsonProblem[]): JsonValue {
  switch (f.fieldKind) {
    case 'scalar':
      return v;
    case 'enum':
      return enumValue(v, f.enum, path, out);
    case 'message':
      return normalizeJson(v, f.message, path, out);
    case 'list':
      if (!Array.isArray(v)) {
        if (v !== null) out.push({ path, message: 'must be a list' });
        return v;
      }
      return v.map((x, i) => single(x, f, f.listKind, `${path}[${i}]`, out));
    case 'map':
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        out.push({ path, message: 'must be a map' });
        return v;
      }
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [k, single(x, f, f.mapKind, `${path}[${JSON.stringify(k)}]`, out)]),
      );
  }
}

/** Returns `json` with enums expanded; appends every unknown field or bad enum value to `out`. */
export function normalizeJson(json: JsonValue, desc: DescMessage, path: string, out: JsonProblem[]): JsonValue {
  if (desc.typeName === 'google.protobuf.Duration') return duration(json, path, out);
  if (WKT.test(desc.typeName)) return json;
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    out.push({ path, message: `must be a map of ${desc.name} fields` });
    return json;
  }
  const byName = new Map<string, DescField>();
  for (const f of desc.fields) {
    byName.set(f.jsonName, f);
    byName.set(f.name, f);
  }
  const result: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(json)) {
    const f = byName.get(key);
    const at = path === '' ? key : `${path}.${key}`;
    if (!f) {
      const what = desc.typeName === 'nightglow.executor.v1.Action' ? 'unknown action or field' : 'unknown field';
      out.push({
        path: at,
        message: `${what} ${JSON.stringify(key)}${suggest(
          key,
          desc.fields.map((x) => x.jsonName),
        )}`,
      });
      continue;
    }
    result[f.jsonName] = value === null ? value : fieldValue(value, f, at, out);
  }
  for (const o of desc.oneofs) {
    const set = o.fields.filter((f) => f.jsonName in result).map((f) => f.jsonName);
    if (set.length > 1) out.push({ path: path === '' ? o.name : path, message: `set only one of ${set.join(', ')}` });
  }
  return result;
}

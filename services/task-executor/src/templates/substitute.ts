/**
 * `${name}` substitution over an action's proto3 JSON form. In a string,
 * `${name}` becomes the value's text (numbers and booleans in JSON text
 * form); a list entry that is
 * exactly `${name}` of a STRING_LIST expands to the whole list; `$${` is a
 * literal `${`. Only strings are substituted (template actions are protobuf
 * messages, so a reference can only sit in a string field).
 */
import type { JsonValue } from '@bufbuild/protobuf';

const REF = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const WHOLE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** Every parameter name referenced in the strings of `json` (escapes excluded). */
export function references(json: JsonValue, out: Set<string> = new Set()): Set<string> {
  if (typeof json === 'string') {
    for (const m of json.matchAll(REF)) if (m[1] !== undefined) out.add(m[1]);
  } else if (Array.isArray(json)) {
    for (const x of json) references(x, out);
  } else if (json !== null && typeof json === 'object') {
    for (const [k, v] of Object.entries(json)) {
      references(k, out);
      references(v, out);
    }
  }
  return out;
}

function text(v: JsonValue | undefined): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : Array.isArray(v) ? v.join(',') : JSON.stringify(v);
}

function substituteString(s: string, values: ReadonlyMap<string, JsonValue>): string {
  return s.replace(REF, (m, name: string | undefined) => (name === undefined ? '${' : text(values.get(name))));
}

/** `json` with every reference replaced by its value from `values`. */
export function substitute(json: JsonValue, values: ReadonlyMap<string, JsonValue>): JsonValue {
  if (typeof json === 'string') return substituteString(json, values);
  if (Array.isArray(json)) {
    return json.flatMap((x) => {
      const whole = typeof x === 'string' ? WHOLE.exec(x) : null;
      const v = whole?.[1] !== undefined ? values.get(whole[1]) : undefined;
      return Array.isArray(v) ? v : [substitute(x, values)];
    });
  }
  if (json !== null && typeof json === 'object') {
    return Object.fromEntries(
      Object.entries(json).map(([k, v]) => [substituteString(k, values), substitute(v, values)]),
    );
  }
  return json;
}

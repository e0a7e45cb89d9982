/**
 * Brings an AutomationTask spec (proto3 JSON as users write it) into the
 * exact proto3 JSON mapping before `fromJson`: short lower-case enum values
 * (`load`, `visible`) become full names (`WAIT_UNTIL_LOAD`), and durations
 * written `500ms`, `2m` or `1h30m` become seconds (`"0.5s"`). It walks the
 * TaskSpec descriptor, so it follows the contract as it changes.
 *
 * The executor has the same rules for task files (with error reporting);
 * both should move to one shared package (see the operator README).
 */
import type { DescField, DescMessage, JsonObject, JsonValue } from '@bufbuild/protobuf';
import { TaskSpecSchema } from '@nightglow/contracts/executor/v1';
import { durationMs } from '../duration.js';

function enumValue(v: JsonValue, f: DescField): JsonValue {
  if (typeof v !== 'string' || !f.enum) return v;
  const prefix = (f.enum.sharedPrefix ?? '').toUpperCase();
  const full = `${prefix}${v.toUpperCase().replace(/-/g, '_')}`;
  return f.enum.values.some((x) => x.name === full) ? full : v;
}

function value(v: JsonValue, f: DescField, message: DescMessage | undefined): JsonValue {
  if (message?.typeName === 'google.protobuf.Duration' && typeof v === 'string') {
    const ms = durationMs(v);
    return ms === undefined ? v : `${ms / 1000}s`;
  }
  if (message && !message.typeName.startsWith('google.protobuf.')) return walk(v, message);
  return f.enum ? enumValue(v, f) : v;
}

function walk(v: JsonValue, desc: DescMessage): JsonValue {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  const out: JsonObject = {};
  for (const [key, raw] of Object.entries(v)) {
    const f = desc.fields.find((x) => x.jsonName === key || x.name === key);
    if (!f || raw === undefined) {
      out[key] = raw as JsonValue;
      continue;
    }
    const message = f.message;
    if (f.fieldKind === 'list' && Array.isArray(raw)) out[key] = raw.map((x) => value(x, f, message));
    else if (f.fieldKind === 'map' && raw && typeof raw === 'object' && !Array.isArray(raw)) {
      out[key] = Object.fromEntries(Object.entries(raw).map(([k, x]) => [k, value(x as JsonValue, f, message)]));
    } else out[key] = value(raw, f, message);
  }
  return out;
}

/** The spec with short enum values and human durations expanded; anything else is left for `fromJson` to judge. */
export function normalizeTaskJson(spec: JsonValue): JsonValue {
  return walk(spec, TaskSpecSchema);
}

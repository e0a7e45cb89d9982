/**
 * Typed reading of one object of the pool file with path-named problems
 * (`pools[1].local.prewarm: must be an integer in 0..64`). Every problem is
 * collected, so a bad file is reported whole, not one field per restart.
 */
import { parseBytes, parseDurationMs } from '@nightglow/runtime';

/** A collector of problems, each prefixed with the path of the field. */
export type Problems = string[];

type Raw = Record<string, unknown>;

/** Reads typed fields of one object at `path`, recording problems in `problems`. */
export type FieldReader = {
  readonly path: string;
  has(key: string): boolean;
  string(key: string, fallback: string, pattern?: { re: RegExp; what: string }): string;
  int(key: string, fallback: number, range: { min: number; max: number }): number;
  number(key: string, fallback: number, range: { min: number; max: number }): number;
  bool(key: string, fallback: boolean): boolean;
  durationMs(key: string, fallback: number, min?: number): number;
  bytes(key: string, fallback: number): number;
  oneOf<T extends string>(key: string, values: readonly T[], fallback: T): T;
  stringList(key: string): string[];
  stringMap(key: string): Record<string, string>;
  object(key: string): FieldReader | undefined;
  /** Like `object`, but an absent key reads as an empty object (its required fields are then reported). */
  section(key: string): FieldReader;
  list(key: string): FieldReader[];
  /** Records a problem at `path.key`. */
  reject(key: string, message: string): void;
  /** Refuses keys other than `allowed` (typos must not be silently ignored). */
  onlyKeys(allowed: readonly string[]): void;
};

function describe(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(JSON.stringify(v) ?? v);
}

/** Creates a reader over `value` (which must be an object) at `path`. */
export function fieldReader(value: unknown, path: string, problems: Problems): FieldReader {
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isObject) problems.push(`${path}: must be an object`);
  const raw: Raw = isObject ? (value as Raw) : {};
  const at = (key: string): string => (path === '' ? key : `${path}.${key}`);
  const bad = (key: string, message: string): void => void problems.push(`${at(key)}: ${message}`);
  const get = (key: string): unknown => raw[key];
  const reader: FieldReader = {
    path,
    has: (key) => raw[key] !== undefined && raw[key] !== null,
    string(key, fallback, pattern) {
      const v = get(key);
      if (v === undefined || v === null) return fallback;
      if (typeof v !== 'string') return (bad(key, `must be a string, got ${describe(v)}`), fallback);
      if (pattern && !pattern.re.test(v)) return (bad(key, `${describe(v)} is not ${pattern.what}`), fallback);
      return v;
    },
    int(key, fallback, { min, max }) {
      const v = get(key);
      if (v === undefined || v === null) return fallback;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
        return (bad(key, `must be an integer in ${min}..${max}, got ${describe(v)}`), fallback);
      }
      return v;
    },
    number(key, fallback, { min, max }) {
      const v = get(key);
      if (v === undefined || v === null) return fallback;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
        return (bad(key, `must be a number in ${min}..${max}, got ${describe(v)}`), fallback);
      }
      return v;
    },
    bool(key, fallback) {
      const v = get(key);
      if (v === undefined || v === null) return fallback;
      if (typeof v !== 'boolean') return (bad(key, `must be true or false, got ${describe(v)}`), fallback);
      return v;
    },
    durationMs(key, fallback, min = 0) {
      const v = get(key);
      if (v === undefined || v === null) return fallback;
      const ms = typeof v === 'number' ? v : typeof v === 'string' ? parseDurationMs(v) : undefined;
      if (ms === undefined || !Number.isFinite(ms) || ms < min) {
        return (bad(key, `must be a duration of at least ${min}ms (e.g. 30s, 10m), got ${describe(v)}`), fallback);
      }
      return ms;
    },
    bytes(key, fallback) {
      const v = get(key);
      if (v === undefined || v === null) return fallback;
      const n = typeof v === 'number' ? v : typeof v === 'string' ? parseBytes(v) : undefined;
      if (n === undefined || n < 0) return (bad(key, `must be a byte size (e.g. 1GiB), got ${describe(v)}`), fallback);
      return n;
    },
    oneOf(key, values, fallback) {
      const v = get(key);
      if (v === undefined || v === null) return fallback;
      if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
        return (bad(key, `must be one of ${values.join(', ')}, got ${describe(v)}`), fallback);
      }
      return v as (typeof values)[number];
    },
    stringList(key) {
      const v = get(key);
      if (v === undefined || v === null) return [];
      if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) return (bad(key, 'must be a list of strings'), []);
      return v as string[];
    },
    stringMap(key) {
      const v = get(key);
      if (v === undefined || v === null) return {};
      const ok = typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((s) => typeof s === 'string');
      if (!ok) return (bad(key, 'must be a map of strings'), {});
      return { ...(v as Record<string, string>) };
    },
    object(key) {
      const v = get(key);
      return v === undefined || v === null ? undefined : fieldReader(v, at(key), problems);
    },
    section(key) {
      const v = get(key);
      return fieldReader(v === undefined || v === null ? {} : v, at(key), problems);
    },
    list(key) {
      const v = get(key);
      if (v === undefined || v === null) return [];
      if (!Array.isArray(v)) return (bad(key, 'must be a list'), []);
      return v.map((item, i) => fieldReader(item, `${at(key)}[${i}]`, problems));
    },
    reject: bad,
    onlyKeys(allowed) {
      for (const k of Object.keys(raw))
        if (!allowed.includes(k)) bad(k, `is not a known field (known: ${allowed.join(', ')})`);
    },
  };
  return reader;
}

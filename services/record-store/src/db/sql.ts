/**
 * Small SQL-building helpers shared by the queries: epoch-millisecond
 * projections (the same on pg and PGlite, whose type parsers differ), a
 * parameter list that numbers placeholders, and page-size clamping.
 */

/** `column` as epoch milliseconds (float8), or NULL. */
export function ms(column: string): string {
  return `(extract(epoch from ${column}) * 1000)::float8`;
}

/** Collects parameters and hands out `$n` placeholders in order. */
export type Params = {
  /** Adds a value; returns its placeholder, e.g. `$3`. */
  add(value: unknown): string;
  readonly values: unknown[];
};

/** A fresh {@link Params}. */
export function params(): Params {
  const values: unknown[] = [];
  return {
    values,
    add(value) {
      values.push(value);
      return `$${values.length}`;
    },
  };
}

/** The page size to use: `requested` (0 → `fallback`), at most `max`. */
export function pageSize(requested: number, fallback: number, max: number): number {
  if (requested <= 0) return fallback;
  return Math.min(requested, max);
}

/** A nullable epoch-ms column value as a number, or undefined. */
export function optMs(v: unknown): number | undefined {
  return v === null || v === undefined ? undefined : Number(v);
}

/** `column` (timestamptz) as exact ISO text with microseconds, for cursors that must compare equal. */
export function isoUs(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

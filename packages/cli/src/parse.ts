/**
 * Argument parsers for commander options. Each throws commander's
 * InvalidArgumentError, which commander reports naming the option
 * (`error: option '--ttl <duration>' argument '3x' is invalid. …`), exit 2.
 */
import { InvalidArgumentError } from 'commander';
import { parseDurationMs } from './format/time.js';

/** A duration such as `500ms`, `30s`, `2m`, `1h` → milliseconds. */
export function durationArg(value: string): number {
  const ms = parseDurationMs(value);
  if (ms === undefined) throw new InvalidArgumentError('expected a duration such as 500ms, 30s, 2m or 1h.');
  return ms;
}

/** A whole number ≥ 1. */
export function positiveIntArg(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError('expected a whole number of at least 1.');
  return n;
}

/** A whole number in [min, max]. */
export function intInRange(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max)
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    return n;
  };
}

/** Repeatable `key=value` into a record. */
export function labelArg(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const i = value.indexOf('=');
  if (i <= 0) throw new InvalidArgumentError('expected key=value.');
  return { ...previous, [value.slice(0, i)]: value.slice(i + 1) };
}

/** Repeatable string option into a list. */
export function listArg(value: string, previous: readonly string[] = []): string[] {
  return [...previous, ...value.split(',').filter((v) => v !== '')];
}

/** `1280x720` → width and height. */
export function viewportArg(value: string): { width: number; height: number } {
  const m = /^(\d{1,5})x(\d{1,5})$/.exec(value.trim());
  const width = Number(m?.[1]);
  const height = Number(m?.[2]);
  if (!m || width < 1 || height < 1 || width > 16384 || height > 16384)
    throw new InvalidArgumentError('expected WIDTHxHEIGHT, e.g. 1280x720 (each 1..16384).');
  return { width, height };
}

/**
 * A parser of case-insensitive short enum names: `enumListArg(SessionState, 'SESSION_STATE_')`
 * accepts `ready` for `SESSION_STATE_READY` (generated enums may or may not keep the
 * prefix in their keys; `_` may be written `-`); repeatable/comma-separated into a list.
 */
export function enumListArg(
  names: Readonly<Record<string, string | number>>,
  prefix: string,
): (value: string, previous?: number[]) => number[] {
  const table = new Map<string, number>();
  for (const [k, v] of Object.entries(names)) {
    if (typeof v !== 'number' || k.endsWith('UNSPECIFIED')) continue;
    const short = k.startsWith(prefix) ? k.slice(prefix.length) : k;
    table.set(short.toLowerCase().replace(/_/g, '-'), v);
  }
  return (value, previous = []) => {
    const out = [...previous];
    for (const part of value.split(',')) {
      const v = table.get(part.trim().toLowerCase().replace(/_/g, '-'));
      if (v === undefined) throw new InvalidArgumentError(`expected one of: ${[...table.keys()].join(', ')}.`);
      out.push(v);
    }
    return out;
  };
}

/** Like {@link enumListArg} for a single value. */
export function enumArg(names: Readonly<Record<string, string | number>>, prefix: string): (value: string) => number {
  const list = enumListArg(names, prefix);
  return (value) => {
    if (value.includes(',')) throw new InvalidArgumentError('expected a single value.');
    return list(value)[0] ?? 0;
  };
}

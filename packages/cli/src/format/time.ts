/** Durations and times as the CLI reads and prints them. */
import { timestampDate, type Duration, type Timestamp } from '@bufbuild/protobuf/wkt';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses `500ms`, `30s`, `2m`, `1h30m`, `1.5s`, `2d` into milliseconds; a bare
 * number is seconds. Returns undefined for anything else.
 */
export function parseDurationMs(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(t)) return undefined;
  let total = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(m[1]) * (UNITS[m[2] ?? 's'] ?? 0);
  return Math.round(total);
}

/** `1234` → `1.2s`, `65000` → `1m5s`, `250` → `250ms`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
  const totalS = Math.round(ms / 1000);
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = totalS % 60;
  return h > 0 ? `${h}h${m}m` : `${m}m${s}s`;
}

/** A protobuf Duration in milliseconds (0 when unset). */
export function durationMs(d: Duration | undefined): number {
  return d ? Number(d.seconds) * 1000 + Math.round(d.nanos / 1e6) : 0;
}

/** ISO-8601 UTC to the second (`2026-11-26T12:00:01Z`), or `-` when unset. */
export function formatTime(t: Timestamp | undefined): string {
  return t
    ? timestampDate(t)
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z')
    : '-';
}

/** Age of `t` relative to `now` in kubectl style (`5s`, `3m`, `2h`, `4d`), or `-`. */
export function formatAge(t: Timestamp | undefined, now: number): string {
  if (!t) return '-';
  const s = Math.max(0, Math.floor((now - timestampDate(t).getTime()) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/**
 * `--since`: a duration ago (`10m`, `1h`) or an ISO-8601 time
 * (`2026-11-26T12:00:00Z`); returns epoch milliseconds or undefined.
 */
export function parseSince(text: string, now: number): number | undefined {
  const ago = parseDurationMs(text);
  if (ago !== undefined) return now - ago;
  if (!/^\d{4}-\d{2}-\d{2}/.test(text.trim())) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

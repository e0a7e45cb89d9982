/**
 * Duration helpers: protobuf `Duration` ↔ milliseconds, and the executor's
 * documented defaults and bounds for task and action timing.
 */
import { create } from '@bufbuild/protobuf';
import { DurationSchema, TimestampSchema, type Duration, type Timestamp } from '@bufbuild/protobuf/wkt';

/** Task timeout when the spec sets none: 5 minutes. */
export const DEFAULT_TASK_TIMEOUT_MS = 5 * 60_000;
/** Longest task timeout accepted: 1 hour. */
export const MAX_TASK_TIMEOUT_MS = 60 * 60_000;
/** Action timeout when neither the action nor the task sets one: 30 seconds. */
export const DEFAULT_ACTION_TIMEOUT_MS = 30_000;
/** Retry defaults from the proto: 500 ms first backoff, 10 s cap, factor 2. */
export const DEFAULT_RETRY = { initialBackoffMs: 500, maxBackoffMs: 10_000, multiplier: 2 } as const;
/** Most attempts a retry policy may ask for. */
export const MAX_ATTEMPTS = 10;

/** Milliseconds of a Duration (undefined stays undefined). */
export function toMs(d: Duration | undefined): number | undefined {
  if (d === undefined) return undefined;
  return Number(d.seconds) * 1000 + Math.round(d.nanos / 1e6);
}

/** A Duration of `ms` milliseconds. */
export function durationOf(ms: number): Duration {
  const whole = Math.floor(ms / 1000);
  return create(DurationSchema, { seconds: BigInt(whole), nanos: Math.round((ms - whole * 1000) * 1e6) });
}

/** A Timestamp of epoch `ms`. */
export function timestampOf(ms: number): Timestamp {
  const whole = Math.floor(ms / 1000);
  return create(TimestampSchema, { seconds: BigInt(whole), nanos: Math.round((ms - whole * 1000) * 1e6) });
}

/** Epoch ms of a Timestamp (0 when unset). */
export function timestampMs(t: Timestamp | undefined): number {
  return t === undefined ? 0 : Number(t.seconds) * 1000 + Math.round(t.nanos / 1e6);
}

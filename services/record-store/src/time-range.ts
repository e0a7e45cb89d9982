/**
 * Reading a `nightglow.common.v1.TimeRange` from a request: epoch-ms bounds,
 * with INVALID_ARGUMENT naming the field when the end is before the start.
 */
import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { TimeRange } from '@nightglow/contracts/common/v1';
import { invalid } from './errors.js';

/** Inclusive start and exclusive end in epoch ms; each undefined when unset. */
export type RangeMs = { readonly startMs: number | undefined; readonly endMs: number | undefined };

/** The bounds of `range` (field path `field` for errors). */
export function timeRangeMs(range: TimeRange | undefined, field: string): RangeMs {
  const startMs = range?.startTime ? timestampMs(range.startTime) : undefined;
  const endMs = range?.endTime ? timestampMs(range.endTime) : undefined;
  if (startMs !== undefined && endMs !== undefined && endMs < startMs) {
    throw invalid([{ field: `${field}.end_time`, description: 'is before start_time' }]);
  }
  return { startMs, endMs };
}

/**
 * Per-action measurement summaries of a task record: the sidecar's
 * measurements attributed to an action (`action_id` = `<task_id>/<index>`)
 * folded into duration, TTFB, FCP, LCP, CLS, requests, failed requests and
 * bytes. Each field takes the latest value seen during the action (LCP's last
 * candidate, CLS's cumulative score, the network counters' running totals).
 */
import { create } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { Measurement } from '@nightglow/contracts/instrumentation/v1';
import { ActionMeasurementSummarySchema, type ActionMeasurementSummary } from '@nightglow/contracts/records/v1';

type Fields = Omit<ActionMeasurementSummary, '$typeName' | '$unknown' | 'measurementCount'>;
type Numeric = { [K in keyof Fields]: { key: K; int: boolean } };

const BY_METRIC: Readonly<Record<string, Numeric[keyof Fields]>> = {
  action_duration: { key: 'durationMs', int: false },
  ttfb: { key: 'ttfbMs', int: false },
  fcp: { key: 'fcpMs', int: false },
  lcp: { key: 'lcpMs', int: false },
  cls: { key: 'cls', int: false },
  requests: { key: 'requestCount', int: true },
  failed_requests: { key: 'failedRequestCount', int: true },
  bytes: { key: 'transferBytes', int: true },
};

/** The action index named by an action id `<task_id>/<index>`, or undefined. */
export function actionIndexOf(actionId: string, taskId: string): number | undefined {
  if (!actionId.startsWith(`${taskId}/`)) return undefined;
  const n = Number(actionId.slice(taskId.length + 1));
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** Summaries keyed by action index, from measurements in any order. */
export function summarizeMeasurements(
  taskId: string,
  measurements: readonly Measurement[],
): Map<number, ActionMeasurementSummary> {
  const sorted = [...measurements].sort(
    (a, b) => (a.time ? timestampMs(a.time) : 0) - (b.time ? timestampMs(b.time) : 0),
  );
  const out = new Map<number, ActionMeasurementSummary>();
  for (const m of sorted) {
    const index = actionIndexOf(m.actionId, taskId);
    if (index === undefined) continue;
    let s = out.get(index);
    if (!s) out.set(index, (s = create(ActionMeasurementSummarySchema, {})));
    s.measurementCount += 1;
    const field = BY_METRIC[m.metric];
    if (!field) continue;
    if (field.int) (s as unknown as Record<string, bigint>)[field.key] = BigInt(Math.max(0, Math.round(m.value)));
    else (s as unknown as Record<string, number>)[field.key] = m.value;
  }
  return out;
}

/**
 * Builds the TaskRecord custom resource for a finished AutomationTask: the
 * executor's view of the task, overlaid with the record store's sealed
 * record when there is one (record id, terminal state, times, the action
 * timeline with its page measurements, outputs, counts of alerts,
 * detections and anomalies), and the `Sealed` condition that says whether
 * the record was found and, if not, why.
 */
import type { ExecutorTask } from '../clients/executor-api.js';
import type { RecordedAction, SealedRecord } from '../clients/record-store-api.js';
import type { ConditionInput } from '../controller/conditions.js';
import { formatDuration } from '../duration.js';
import type { KubeObject } from '../kube/kube-api.js';
import { API_VERSION } from '../kube/resources.js';
import { phaseOf, summarizeOutputs, type AutomationTask } from './task-types.js';

/** Timeline entries kept on the resource; the rest are counted in `timelineOmitted` (the full timeline is in the store). */
export const TIMELINE_LIMIT = 100;

/** Why a TaskRecord carries no record id. */
export type RecordMissingReason =
  'RecordNotSealed' | 'RecordStoreUnavailable' | 'RecordStoreUnauthorized' | 'RecordStoreNotConfigured';

/** What asking the record store gave: the sealed record, or why there is none. */
export type RecordLookup =
  | { readonly kind: 'sealed'; readonly record: SealedRecord }
  | { readonly kind: 'missing'; readonly reason: RecordMissingReason; readonly message: string };

/** The record's name: the task's name plus the start of its uid (a re-created task gets a new record). */
export function recordName(task: AutomationTask): string {
  return `${(task.metadata.name ?? 'task').slice(0, 240)}-${(task.metadata.uid ?? '').slice(0, 8)}`;
}

/** The `Sealed` condition of a TaskRecord for `lookup`. */
export function sealedCondition(lookup: RecordLookup): ConditionInput {
  return lookup.kind === 'sealed'
    ? {
        type: 'Sealed',
        status: 'True',
        reason: 'RecordSealed',
        message: `record ${lookup.record.id} sealed${lookup.record.sealTime ? ` at ${lookup.record.sealTime}` : ''}`,
      }
    : { type: 'Sealed', status: 'False', reason: lookup.reason, message: lookup.message.slice(0, 1024) };
}

const PHASE_OF_RECORD: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT']);
const dur = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : formatDuration(ms));
const round = (v: number | undefined): number | undefined => (v === undefined ? undefined : Math.round(v * 10) / 10);

/** Drops undefined values, so the object carries only fields that were set. */
function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** One timeline entry of the resource; milliseconds rounded to 0.1. */
export function timelineEntry(a: RecordedAction): Record<string, unknown> {
  return defined({
    name: a.name,
    state: a.state,
    attempts: a.attempts,
    startTime: a.startTime,
    duration: dur(a.durationMs),
    ttfbMs: round(a.ttfbMs),
    fcpMs: round(a.fcpMs),
    lcpMs: round(a.lcpMs),
    cls: a.cls === undefined ? undefined : Math.round(a.cls * 10_000) / 10_000,
    requests: a.requests,
    failedRequests: a.failedRequests,
    transferBytes: a.transferBytes,
  });
}

function errorOf(e: ExecutorTask['error']): Record<string, unknown> | undefined {
  if (!e) return undefined;
  return defined({ reason: e.reason, message: e.message.slice(0, 1024), actionIndex: e.actionIndex });
}

/** The spec fields the sealed record decides (it wins over the executor's view). */
function fromRecord(r: SealedRecord): Record<string, unknown> {
  const timeline = r.timeline.slice(0, TIMELINE_LIMIT).map(timelineEntry);
  const failed = r.timeline.filter((a) => a.state === 'FAILED').length;
  const succeeded = r.timeline.filter((a) => a.state === 'SUCCEEDED').length;
  return defined({
    recordId: r.id,
    // A sealed record is terminal; anything else (an unknown state) keeps the executor's phase.
    phase: PHASE_OF_RECORD.has(r.state) ? phaseOf(r) : undefined,
    pool: r.pool || undefined,
    sessionId: r.sessionId || undefined,
    template: r.templateName || undefined,
    createTime: r.createTime,
    startTime: r.startTime,
    finishTime: r.finishTime,
    sealTime: r.sealTime,
    duration: r.startTime ? formatDuration(r.durationMs) : undefined,
    totalActions: r.actionCount,
    succeededActions: succeeded,
    failedActions: r.failedActionCount || failed,
    actionsSummary: `${succeeded}/${r.actionCount}`,
    outputs: summarizeOutputs(r.outputs),
    artifacts: [...r.artifacts],
    error: errorOf(r.error),
    timeline,
    ...(r.timeline.length > TIMELINE_LIMIT ? { timelineOmitted: r.timeline.length - TIMELINE_LIMIT } : {}),
    alertCount: r.alertCount,
    detectionCount: r.detectionCount,
    anomalyCount: r.anomalyCount,
    eventCount: r.eventCount,
  });
}

/**
 * The TaskRecord for `task`, from the executor's task `t` and, when found,
 * the sealed record. It has no owner reference on purpose: it outlives its
 * task (`ttlSecondsAfterFinished` removes the task, not the record).
 */
export function buildTaskRecord(task: AutomationTask, t: ExecutorTask, lookup: RecordLookup): KubeObject {
  const ms = t.startTime && t.finishTime ? Date.parse(t.finishTime) - Date.parse(t.startTime) : undefined;
  const base = defined({
    taskName: task.metadata.name ?? '',
    taskUid: task.metadata.uid ?? '',
    taskId: t.id,
    recordId: t.recordId,
    phase: phaseOf(t),
    pool: t.pool,
    sessionId: t.sessionId,
    template: t.templateName || undefined,
    startTime: t.startTime,
    finishTime: t.finishTime,
    duration: dur(ms),
    totalActions: t.total,
    succeededActions: t.succeededActions,
    failedActions: t.failedActions,
    actionsSummary: `${t.succeededActions}/${t.total}`,
    outputs: summarizeOutputs(t.outputs),
    artifacts: [...t.artifacts],
    error: errorOf(t.error),
    labels: { ...(task.spec.labels ?? {}) },
  });
  return {
    apiVersion: API_VERSION,
    kind: 'TaskRecord',
    metadata: {
      name: recordName(task),
      namespace: task.metadata.namespace ?? 'default',
      labels: {
        'nightglow.io/task': (task.metadata.name ?? '').slice(0, 63),
        'nightglow.io/task-uid': task.metadata.uid ?? '',
      },
    },
    spec: lookup.kind === 'sealed' ? { ...base, ...fromRecord(lookup.record) } : base,
  };
}

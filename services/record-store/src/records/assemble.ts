/**
 * Assembling a TaskRecord from the events of one task. Pure: the sealer loads
 * the events and stores the result. The terminal task event carries the
 * executor's complete view (spec, results, outputs, artifacts, error); action
 * events that arrived around it fill in or finish results the terminal event
 * had not seen yet; measurements, detections, alerts, anomalies and error
 * snapshots are attached per action or per task.
 */
import { clone, create } from '@bufbuild/protobuf';
import { durationFromMs, timestampFromMs, timestampMs } from '@bufbuild/protobuf/wkt';
import { ArtifactRefSchema, type ArtifactRef, type ErrorSnapshot } from '@nightglow/contracts/common/v1';
import type { Envelope } from '@nightglow/contracts/events/v1';
import { ActionResultSchema, ActionState, type ActionResult, type Task } from '@nightglow/contracts/executor/v1';
import type { Alert, Anomaly, Detection, Measurement } from '@nightglow/contracts/instrumentation/v1';
import { ActionRecordSchema, TaskRecordSchema, type TaskRecord } from '@nightglow/contracts/records/v1';
import { actionIndexOf, summarizeMeasurements } from './measurement-summary.js';

/** What a record is assembled from. */
export type AssemblyInput = {
  readonly recordId: string;
  readonly sealMs: number;
  /** The terminal task event (payload `task`, with the complete task). */
  readonly terminal: Envelope;
  /** Every stored event of the task (the terminal one included), in time order. */
  readonly events: readonly Envelope[];
};

const FINISHED = new Set([ActionState.SUCCEEDED, ActionState.FAILED, ActionState.SKIPPED]);

type Collected = {
  results: Map<number, ActionResult>;
  measurements: Measurement[];
  detections: Detection[];
  alerts: Alert[];
  anomalies: Anomaly[];
  snapshots: Map<number, ErrorSnapshot>;
};

function collect(taskId: string, events: readonly Envelope[]): Collected {
  const c: Collected = {
    results: new Map(),
    measurements: [],
    detections: [],
    alerts: [],
    anomalies: [],
    snapshots: new Map(),
  };
  for (const e of events) {
    const p = e.payload;
    if (p.case === 'action' && p.value.result) c.results.set(p.value.result.index, p.value.result);
    else if (p.case === 'measurement') c.measurements.push(p.value);
    else if (p.case === 'detection') c.detections.push(p.value);
    else if (p.case === 'alert') c.alerts.push(p.value);
    else if (p.case === 'anomaly') c.anomalies.push(p.value);
    else if (p.case === 'errorSnapshot') {
      const index = actionIndexOf(e.actionId, taskId) ?? p.value.actionIndex;
      c.snapshots.set(index, p.value);
    }
  }
  return c;
}

/** The executor's results, with each unfinished one replaced by a finished one from action events. */
function mergeResults(task: Task, fromEvents: Map<number, ActionResult>): ActionResult[] {
  const byIndex = new Map<number, ActionResult>();
  for (const r of task.actionResults) byIndex.set(r.index, r);
  for (const [index, r] of fromEvents) {
    const known = byIndex.get(index);
    if (!known || (!FINISHED.has(known.state) && FINISHED.has(r.state))) byIndex.set(index, r);
  }
  return [...byIndex.values()].sort((a, b) => a.index - b.index).map((r) => withoutData(r));
}

function stripRef(a: ArtifactRef): ArtifactRef {
  return create(ArtifactRefSchema, { ...a, data: new Uint8Array(0) });
}

function withoutData(r: ActionResult): ActionResult {
  return create(ActionResultSchema, { ...clone(ActionResultSchema, r), artifacts: r.artifacts.map(stripRef) });
}

function allArtifacts(task: Task, results: readonly ActionResult[]): ArtifactRef[] {
  const seen = new Map<string, ArtifactRef>();
  for (const a of [...task.artifacts, ...results.flatMap((r) => r.artifacts)]) {
    if (!seen.has(a.id)) seen.set(a.id, stripRef(a));
  }
  return [...seen.values()];
}

function snapshotWithoutData(s: ErrorSnapshot | undefined): ErrorSnapshot | undefined {
  if (!s) return undefined;
  const copy = { ...s };
  if (s.screenshot) copy.screenshot = stripRef(s.screenshot);
  return copy;
}

/** Assembles the record (see the module comment). Throws when `terminal` carries no task. */
export function assembleRecord(input: AssemblyInput): TaskRecord {
  if (input.terminal.payload.case !== 'task' || !input.terminal.payload.value.task) {
    throw new Error('terminal event carries no task');
  }
  const task = input.terminal.payload.value.task;
  const c = collect(task.id, input.events);
  const results = mergeResults(task, c.results);
  const summaries = summarizeMeasurements(task.id, c.measurements);
  const timeline = results.map((result) =>
    create(ActionRecordSchema, {
      result,
      ...(summaries.get(result.index) ? { measurements: summaries.get(result.index) } : {}),
      ...(c.snapshots.has(result.index) ? { errorSnapshot: snapshotWithoutData(c.snapshots.get(result.index)) } : {}),
    }),
  );
  const startMs = task.startTime ? timestampMs(task.startTime) : undefined;
  const finishMs = task.finishTime
    ? timestampMs(task.finishTime)
    : input.terminal.time
      ? timestampMs(input.terminal.time)
      : input.sealMs;
  const snapshot = snapshotWithoutData(task.errorSnapshot);
  return create(TaskRecordSchema, {
    id: input.recordId,
    taskId: task.id,
    sessionId: task.sessionId,
    pool: task.pool,
    state: task.state,
    labels: { ...(task.spec?.labels ?? {}), ...input.terminal.labels },
    timeline,
    outputs: task.outputs,
    artifacts: allArtifacts(task, results),
    detections: c.detections,
    alerts: c.alerts,
    anomalies: c.anomalies,
    templateName: task.templateName,
    templateRevision: task.templateRevision,
    ephemeralSession: task.ephemeralSession,
    actionCount: Math.max(task.actions.length, results.length),
    failedActionCount: results.filter((r) => r.state === ActionState.FAILED).length,
    eventCount: BigInt(input.events.length),
    finishTime: timestampFromMs(finishMs),
    sealTime: timestampFromMs(input.sealMs),
    duration: durationFromMs(startMs === undefined ? 0 : Math.max(0, finishMs - startMs)),
    ...(task.spec ? { spec: task.spec } : {}),
    ...(task.error ? { error: task.error } : {}),
    ...(snapshot ? { errorSnapshot: snapshot } : {}),
    ...(task.createTime ? { createTime: task.createTime } : { createTime: timestampFromMs(finishMs) }),
    ...(task.startTime ? { startTime: task.startTime } : {}),
  });
}

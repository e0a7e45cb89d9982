/**
 * The `RecordStoreApi` port: the sealed task record the operator mirrors into
 * a TaskRecord resource, in plain values. The real implementation calls
 * `nightglow.records.v1.RecordStore/GetTaskRecord` by task id over gRPC,
 * sending `authorization: Bearer <key>` when it has an API key (a READER key
 * is enough); tests pass plain-object fakes.
 */
import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { toJson } from '@bufbuild/protobuf';
import { durationMs, timestampDate, ValueSchema, type Duration, type Timestamp } from '@bufbuild/protobuf/wkt';
import { ActionState, TaskFailureReason, TaskState } from '@nightglow/contracts/executor/v1';
import { RecordStore, TaskRecordView, type ActionRecord, type TaskRecord } from '@nightglow/contracts/records/v1';
import { createServiceClient, type Tracing } from '@nightglow/runtime';
import { OperatorError } from '../errors.js';
import type { ExecutorTaskState } from './executor-api.js';
import { fromRpcError } from './rpc-error.js';

/** One action of a record's timeline; measurement fields are set only when the sidecar took them. */
export type RecordedAction = {
  readonly name: string;
  /** PENDING, RUNNING, SUCCEEDED, FAILED or SKIPPED. */
  readonly state: string;
  readonly attempts: number;
  readonly startTime?: string | undefined;
  /** The executor's duration of the action, in milliseconds. */
  readonly durationMs?: number | undefined;
  readonly ttfbMs?: number | undefined;
  readonly fcpMs?: number | undefined;
  readonly lcpMs?: number | undefined;
  readonly cls?: number | undefined;
  readonly requests?: number | undefined;
  readonly failedRequests?: number | undefined;
  readonly transferBytes?: number | undefined;
};

/** A sealed record as the operator shows it (the FULL view, reduced to what a TaskRecord holds). */
export type SealedRecord = {
  readonly id: string;
  readonly taskId: string;
  readonly sessionId: string;
  readonly pool: string;
  readonly state: ExecutorTaskState;
  readonly templateName: string;
  readonly ephemeralSession: boolean;
  readonly createTime?: string | undefined;
  readonly startTime?: string | undefined;
  readonly finishTime?: string | undefined;
  readonly sealTime?: string | undefined;
  /** `finish_time - start_time` in milliseconds (0 when it never started). */
  readonly durationMs: number;
  readonly actionCount: number;
  readonly failedActionCount: number;
  readonly eventCount: number;
  readonly timeline: readonly RecordedAction[];
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly artifacts: readonly string[];
  readonly alertCount: number;
  readonly detectionCount: number;
  readonly anomalyCount: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly error?:
    { readonly reason: string; readonly message: string; readonly actionIndex?: number | undefined } | undefined;
};

/** The record-store calls the task reconciler makes. */
export type RecordStoreApi = {
  /**
   * The sealed record of task `taskId`, or undefined while there is none (the
   * store seals a grace period after the task's terminal event). Throws an
   * `OperatorError`: UNAVAILABLE when the store cannot be reached, FORBIDDEN
   * when it refuses the API key (UNAUTHENTICATED or PERMISSION_DENIED).
   */
  getTaskRecord(taskId: string): Promise<SealedRecord | undefined>;
};

const iso = (t: Timestamp | undefined): string | undefined => (t ? timestampDate(t).toISOString() : undefined);
const ms = (d: Duration | undefined): number | undefined => (d ? durationMs(d) : undefined);
const num = (v: bigint | undefined): number | undefined => (v === undefined ? undefined : Number(v));
const name = (e: Record<number, string>, v: number, prefix: string): string =>
  (e[v] ?? 'UNSPECIFIED').replace(prefix, '');

function toRecordedAction(a: ActionRecord): RecordedAction {
  const r = a.result;
  const m = a.measurements;
  return {
    name: r?.name ?? '',
    state: name(ActionState, r?.state ?? ActionState.UNSPECIFIED, 'ACTION_STATE_'),
    attempts: r?.attempts ?? 0,
    startTime: iso(r?.startTime),
    durationMs: ms(r?.duration),
    ttfbMs: m?.ttfbMs,
    fcpMs: m?.fcpMs,
    lcpMs: m?.lcpMs,
    cls: m?.cls,
    requests: num(m?.requestCount),
    failedRequests: num(m?.failedRequestCount),
    transferBytes: num(m?.transferBytes),
  };
}

/** Converts the contract's TaskRecord to {@link SealedRecord}. */
export function toSealedRecord(r: TaskRecord): SealedRecord {
  const outputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r.outputs)) outputs[k] = toJson(ValueSchema, v);
  return {
    id: r.id,
    taskId: r.taskId,
    sessionId: r.sessionId,
    pool: r.pool,
    state: name(TaskState, r.state, 'TASK_STATE_') as ExecutorTaskState,
    templateName: r.templateName,
    ephemeralSession: r.ephemeralSession,
    createTime: iso(r.createTime),
    startTime: iso(r.startTime),
    finishTime: iso(r.finishTime),
    sealTime: iso(r.sealTime),
    durationMs: ms(r.duration) ?? 0,
    actionCount: r.actionCount,
    failedActionCount: r.failedActionCount,
    eventCount: Number(r.eventCount),
    timeline: r.timeline.map(toRecordedAction),
    outputs,
    artifacts: r.artifacts.map((a) => a.name || a.id),
    alertCount: r.alerts.length,
    detectionCount: r.detections.length,
    anomalyCount: r.anomalies.length,
    labels: { ...r.labels },
    error: r.error
      ? {
          reason: name(TaskFailureReason, r.error.reason, 'TASK_FAILURE_REASON_'),
          message: r.error.message,
          actionIndex: r.error.actionIndex,
        }
      : undefined,
  };
}

/** Sends `authorization: Bearer <key>` with every call. */
function bearer(key: string): Interceptor {
  return (next) => (req) => {
    req.header.set('authorization', `Bearer ${key}`);
    return next(req);
  };
}

/** The real {@link RecordStoreApi} over gRPC at `baseUrl`, with `apiKey` when record-store auth is on. */
export function createRecordStoreApi(opts: {
  readonly baseUrl: string;
  readonly tracing: Tracing;
  readonly apiKey?: string | undefined;
}): RecordStoreApi {
  const client = createServiceClient(RecordStore, {
    baseUrl: opts.baseUrl,
    tracing: opts.tracing,
    // A FULL record carries the whole timeline, outputs and signals: allow more than the default 4 MiB.
    maxMessageBytes: 32 * 1024 * 1024,
    interceptors: opts.apiKey ? [bearer(opts.apiKey)] : [],
  });
  return {
    getTaskRecord: async (taskId) => {
      try {
        const res = await client.getTaskRecord(
          { key: { case: 'taskId', value: taskId }, view: TaskRecordView.FULL },
          { timeoutMs: 5_000 },
        );
        if (!res.taskRecord)
          throw new OperatorError('INTERNAL', 'record store GetTaskRecord answered without a record');
        return toSealedRecord(res.taskRecord);
      } catch (e) {
        const ce = e instanceof OperatorError ? undefined : ConnectError.from(e);
        if (ce?.code === Code.NotFound) return undefined;
        if (ce?.code === Code.Unauthenticated || ce?.code === Code.PermissionDenied) {
          throw new OperatorError('FORBIDDEN', `record store GetTaskRecord: ${Code[ce.code]}: ${ce.rawMessage}`, {
            cause: e,
          });
        }
        throw fromRpcError(e, 'record store GetTaskRecord');
      }
    },
  };
}

/**
 * The `ExecutorApi` port: what the operator asks of the task executor, in
 * plain values. The real implementation calls `nightglow.executor.v1.TaskExecutor`
 * over gRPC; tests pass plain-object fakes. Errors are `OperatorError`s:
 * INVALID (the spec or template was refused), NOT_FOUND, UNAVAILABLE.
 */
import { fromJson, toJson, type JsonObject, type JsonValue } from '@bufbuild/protobuf';
import { timestampDate, ValueSchema, type Timestamp } from '@bufbuild/protobuf/wkt';
import {
  ActionEventType,
  ActionState,
  TaskExecutor,
  TaskFailureReason,
  TaskSpecSchema,
  TaskState,
  type ActionEvent,
  type Task,
} from '@nightglow/contracts/executor/v1';
import { createServiceClient, type Tracing } from '@nightglow/runtime';
import { OperatorError } from '../errors.js';
import { normalizeTaskJson } from './normalize-task.js';
import { fromRpcError } from './rpc-error.js';
import type { WatchUpdate } from './watch-update.js';

/** A task's lifecycle state as the executor reports it. */
export type ExecutorTaskState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT';

/** A task as the operator shows it. */
export type ExecutorTask = {
  readonly id: string;
  readonly state: ExecutorTaskState;
  readonly sessionId: string;
  readonly pool: string;
  readonly templateName: string;
  readonly completed: number;
  readonly total: number;
  readonly succeededActions: number;
  readonly failedActions: number;
  readonly currentAction: string;
  readonly startTime?: string | undefined;
  readonly finishTime?: string | undefined;
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly artifacts: readonly string[];
  /** Id of the sealed record in the record store; empty until sealed. */
  readonly recordId: string;
  readonly error?:
    { readonly reason: string; readonly message: string; readonly actionIndex?: number | undefined } | undefined;
};

/** The executor calls the reconcilers make. */
export type ExecutorApi = {
  /** Submits a TaskSpec in proto3 JSON (with `idempotencyKey` set); a repeated key returns the existing task. */
  submitTask(spec: JsonObject): Promise<ExecutorTask>;
  getTask(id: string): Promise<ExecutorTask>;
  /** Cancels a queued or running task; a finished task is returned unchanged. */
  cancelTask(id: string, reason: string): Promise<ExecutorTask>;
  /**
   * Follows one task (WatchTask with `send_initial_state`): its snapshot, then
   * the task after every task or action event (progress and current action
   * move with each action). Ends after the terminal state; throws an
   * `OperatorError` when the stream breaks (NOT_FOUND for an unknown task).
   */
  watchTask(id: string, signal: AbortSignal): AsyncIterable<WatchUpdate<ExecutorTask>>;
};

const iso = (t: Timestamp | undefined): string | undefined => (t ? timestampDate(t).toISOString() : undefined);

/** Converts the contract's Task to {@link ExecutorTask}. */
export function toExecutorTask(t: Task): ExecutorTask {
  const outputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(t.outputs)) outputs[k] = toJson(ValueSchema, v);
  return {
    id: t.id,
    state: TaskState[t.state].replace('TASK_STATE_', '') as ExecutorTaskState,
    sessionId: t.sessionId,
    pool: t.pool,
    templateName: t.templateName,
    completed: t.progress?.completed ?? 0,
    total: t.progress?.total ?? t.actions.length,
    succeededActions: t.actionResults.filter((r) => r.state === ActionState.SUCCEEDED).length,
    failedActions: t.actionResults.filter((r) => r.state === ActionState.FAILED).length,
    currentAction: t.currentActionName,
    startTime: iso(t.startTime),
    finishTime: iso(t.finishTime),
    outputs,
    artifacts: t.artifacts.map((a) => a.name || a.id),
    recordId: t.recordId,
    error: t.error
      ? {
          reason: TaskFailureReason[t.error.reason].replace('TASK_FAILURE_REASON_', ''),
          message: t.error.message,
          actionIndex: t.error.actionIndex,
        }
      : undefined,
  };
}

/**
 * The task after an action event: progress from the event, the running
 * action's name while it runs (cleared when it ends). Action counts and
 * outputs come with the next task event.
 */
export function applyActionEvent(t: ExecutorTask, e: ActionEvent): ExecutorTask {
  const progress = e.progress ? { completed: e.progress.completed, total: e.progress.total } : {};
  switch (e.type) {
    case ActionEventType.STARTED:
      return { ...t, ...progress, state: 'RUNNING', currentAction: e.result?.name ?? '' };
    case ActionEventType.SUCCEEDED:
    case ActionEventType.FAILED:
    case ActionEventType.SKIPPED:
      return { ...t, ...progress, currentAction: '' };
    case ActionEventType.RETRYING:
    case ActionEventType.UNSPECIFIED:
      return { ...t, ...progress };
  }
}

/** The real {@link ExecutorApi} over gRPC at `baseUrl`. */
export function createExecutorApi(opts: { readonly baseUrl: string; readonly tracing: Tracing }): ExecutorApi {
  const client = createServiceClient(TaskExecutor, { baseUrl: opts.baseUrl, tracing: opts.tracing });
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw fromRpcError(e, `executor ${what}`);
    }
  };
  const task = (t: Task | undefined, what: string): ExecutorTask => {
    if (!t) throw new OperatorError('INTERNAL', `${what} answered without a task`);
    return toExecutorTask(t);
  };
  return {
    submitTask: async (json) => {
      let spec;
      try {
        spec = fromJson(TaskSpecSchema, normalizeTaskJson(json as JsonValue));
      } catch (e) {
        throw new OperatorError('INVALID', `spec: ${(e as Error).message}`, { cause: e });
      }
      return call('SubmitTask', async () =>
        task((await client.submitTask({ spec }, { timeoutMs: 10_000 })).task, 'SubmitTask'),
      );
    },
    getTask: (id) =>
      call('GetTask', async () => task((await client.getTask({ taskId: id }, { timeoutMs: 5_000 })).task, 'GetTask')),
    cancelTask: (id, reason) =>
      call('CancelTask', async () =>
        task(
          (await client.cancelTask({ taskId: id, reason: reason.slice(0, 256) }, { timeoutMs: 5_000 })).task,
          'CancelTask',
        ),
      ),
    watchTask: async function* (id, signal) {
      let latest: ExecutorTask | undefined;
      try {
        for await (const res of client.watchTask({ taskId: id, sendInitialState: true }, { signal })) {
          const e = res.event;
          if (e.case === 'taskEvent' && e.value.task) latest = toExecutorTask(e.value.task);
          else if (e.case === 'actionEvent' && latest) latest = applyActionEvent(latest, e.value);
          else continue;
          yield { kind: 'value', value: latest };
        }
      } catch (e) {
        throw fromRpcError(e, 'executor WatchTask');
      }
    },
  };
}

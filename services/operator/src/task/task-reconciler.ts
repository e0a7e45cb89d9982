/**
 * The AutomationTask reconciler (phases in `task-types.ts`).
 *
 * - A new task gets the finalizer `nightglow.io/task`. A task naming a
 *   BrowserSession waits (Pending) until that session is Ready (the
 *   session's changes wake it; `pollMs` is the fallback); a missing one
 *   fails the task with reason SessionNotFound.
 * - SubmitTask carries the object's uid as idempotency key, so an operator
 *   that crashed between submitting and writing status (or a new leader)
 *   gets the same executor task back instead of running it twice.
 * - Status follows the executor's WatchTask stream (`watch`): every task or
 *   action event wakes the object (phase, progress, current action, times,
 *   output summary), no timer runs. While the stream is not live
 *   (connecting, or broken until it is reopened) status falls back to GetTask
 *   every `pollMs`; without `watch` it is always polled.
 * - A spec the executor refuses (unknown template, bad action) ends Failed
 *   with reason SubmitRejected and the executor's message; not retried.
 * - When the task finished, a TaskRecord is created once from the record
 *   store's sealed record (GetTaskRecord by task id, asked with a bounded
 *   backoff for up to `recordWaitMs` after the task finished; see
 *   `record-lookup.ts`). A record that does not come in time, or a store
 *   that cannot be reached, leaves the TaskRecord without a record id and its
 *   `Sealed` condition False with the reason. With `ttlSecondsAfterFinished`
 *   the task is deleted that long after finishing.
 * - Deleting an unfinished task cancels it in the executor first.
 */
import type { JsonObject } from '@bufbuild/protobuf';
import type { Clock } from '@nightglow/runtime';
import type { ExecutorApi, ExecutorTask } from '../clients/executor-api.js';
import type { RecordStoreApi } from '../clients/record-store-api.js';
import { setCondition } from '../controller/conditions.js';
import type { ReconcileResult, Reconciler } from '../controller/controller.js';
import type { EventRecorder } from '../controller/events.js';
import { addFinalizer, removeFinalizer } from '../controller/finalizers.js';
import type { StreamFollower } from '../controller/stream-follower.js';
import { hasCode, OperatorError } from '../errors.js';
import { objectKey, parseKey, type KubeApi } from '../kube/kube-api.js';
import { RESOURCES } from '../kube/resources.js';
import type { BrowserSession } from '../session/session-reconciler.js';
import { lookUpRecord, recordRetryDelayMs, writeTaskRecord } from './record-lookup.js';
import { FINISHED, phaseOf, statusFromTask, type AutomationTask, type AutomationTaskStatus } from './task-types.js';

/** The finalizer that cancels an unfinished task before the object goes. */
export const TASK_FINALIZER = 'nightglow.io/task';

/** What the task reconciler needs. */
export type TaskReconcilerDeps = {
  readonly api: KubeApi;
  readonly executor: ExecutorApi;
  readonly clock: Clock;
  readonly events: EventRecorder;
  /** The executor's task streams (see `createTaskFollower`); without it status is polled. */
  readonly watch?: StreamFollower<ExecutorTask> | undefined;
  /** How often a task is polled while its stream is not live (or without `watch`); default 2 s. */
  readonly pollMs?: number;
  /**
   * The record store whose sealed record a TaskRecord mirrors; without it
   * TaskRecords are written at once, from the executor's view alone.
   */
  readonly recordStore?: RecordStoreApi | undefined;
  /** How long after a task finished its sealed record is waited for (asked with backoff); default 60 s. */
  readonly recordWaitMs?: number;
};

/** The TaskSpec JSON sent to the executor for `task`. */
export function toTaskSpec(task: AutomationTask, sessionId: string | undefined): JsonObject {
  const { session: _s, ttlSecondsAfterFinished: _t, ...rest } = task.spec;
  return {
    ...(rest as JsonObject),
    ...(sessionId ? { sessionId } : {}),
    idempotencyKey: task.metadata.uid ?? '',
    labels: {
      ...(task.spec.labels ?? {}),
      'nightglow.io/namespace': task.metadata.namespace ?? '',
      'nightglow.io/task': (task.metadata.name ?? '').slice(0, 63),
    },
  };
}

/** Creates the AutomationTask reconciler. */
export function createTaskReconciler(deps: TaskReconcilerDeps): Reconciler {
  const { api, executor } = deps;
  const type = RESOURCES.automationTask;
  const poll = deps.pollMs ?? 2_000;

  async function writeStatus(t: AutomationTask, next: AutomationTaskStatus, reason: string): Promise<void> {
    const generation = t.metadata.generation ?? 0;
    const prevPhase = t.status?.phase;
    const phase = next.phase ?? prevPhase ?? 'Pending';
    const done = FINISHED.has(phase);
    const conditions = setCondition(
      t.status?.conditions,
      {
        type: 'Complete',
        status: done ? (phase === 'Succeeded' ? 'True' : 'False') : 'Unknown',
        reason,
        message: next.message ?? phase,
      },
      { generation, nowMs: deps.clock.now() },
    );
    const status = { ...t.status, ...next, observedGeneration: generation, conditions };
    if (JSON.stringify(status) === JSON.stringify(t.status)) return;
    await api.patch(
      type,
      { namespace: t.metadata.namespace, name: t.metadata.name ?? '' },
      { status },
      { subresource: 'status' },
    );
    t.status = status;
    if (done && prevPhase !== phase) {
      await deps.events.record(t, phase === 'Succeeded' ? 'Normal' : 'Warning', phase, next.message ?? phase);
    }
  }

  async function submit(t: AutomationTask): Promise<ReconcileResult> {
    let sessionId: string | undefined;
    if (t.spec.session) {
      const bs = (await api.get(RESOURCES.browserSession, {
        namespace: t.metadata.namespace,
        name: t.spec.session,
      })) as BrowserSession | undefined;
      if (!bs || bs.status?.phase === 'Failed' || bs.status?.phase === 'Closed') {
        const why = bs
          ? `BrowserSession ${t.spec.session} is ${bs.status?.phase}`
          : `BrowserSession ${t.spec.session} not found`;
        await writeStatus(t, { phase: 'Failed', message: why }, 'SessionNotFound');
        return {};
      }
      if (bs.status?.phase !== 'Ready' || !bs.status.sessionId) {
        await writeStatus(
          t,
          { phase: 'Pending', message: `waiting for BrowserSession ${t.spec.session} to be Ready` },
          'WaitingForSession',
        );
        return { requeueAfterMs: poll };
      }
      sessionId = bs.status.sessionId;
    }
    let task: ExecutorTask;
    try {
      task = await executor.submitTask(toTaskSpec(t, sessionId));
    } catch (e) {
      const err = OperatorError.from(e);
      if (err.retryable) throw err;
      await writeStatus(t, { phase: 'Failed', message: err.message }, 'SubmitRejected');
      return {};
    }
    await deps.events.record(t, 'Normal', 'Submitted', `executor task ${task.id}`);
    await writeStatus(t, statusFromTask(task), 'Submitted');
    if (FINISHED.has(phaseOf(task))) return { requeueAfterMs: 0 };
    // Open the stream now; until it is live the task is polled.
    deps.watch?.follow(task.id, objectKey(t));
    return { requeueAfterMs: poll };
  }

  async function finish(t: AutomationTask): Promise<ReconcileResult> {
    const now = deps.clock.now();
    const finishedAt = t.status?.finishTime ? Date.parse(t.status.finishTime) : now;
    if (!t.status?.recordName && t.status?.taskId) {
      const waitMs = deps.recordWaitMs ?? 60_000;
      const waited = Math.max(0, now - finishedAt);
      const lookup = await lookUpRecord(deps.recordStore, t.status.taskId);
      if (lookup.kind === 'missing' && lookup.reason !== 'RecordStoreNotConfigured' && waited < waitMs) {
        return { requeueAfterMs: recordRetryDelayMs(waited, waitMs) };
      }
      const task = await executor.getTask(t.status.taskId);
      const name = await writeTaskRecord(api, t, { executorTask: task, lookup, nowMs: now });
      const recordId = lookup.kind === 'sealed' ? lookup.record.id : task.recordId;
      await writeStatus(
        t,
        { ...statusFromTask(task), ...(recordId ? { recordId } : {}), recordName: name },
        'Recorded',
      );
      if (lookup.kind === 'sealed') {
        await deps.events.record(t, 'Normal', 'Recorded', `TaskRecord ${name} (record ${lookup.record.id})`);
      } else {
        await deps.events.record(
          t,
          'Warning',
          'RecordMissing',
          `TaskRecord ${name} without record id: ${lookup.reason}`,
        );
      }
    }
    const ttl = t.spec.ttlSecondsAfterFinished;
    if (ttl === undefined) return {};
    const due = finishedAt + ttl * 1000;
    if (now < due) return { requeueAfterMs: due - now };
    await api.delete(type, { namespace: t.metadata.namespace, name: t.metadata.name ?? '' });
    return {};
  }

  return async (key) => {
    const found = (await api.get(type, parseKey(key))) as AutomationTask | undefined;
    if (!found) {
      deps.watch?.forgetKey(key);
      return {};
    }
    const phase = found.status?.phase ?? 'Pending';
    const id = found.status?.taskId;
    if (found.metadata.deletionTimestamp) {
      if (id) deps.watch?.forget(id);
      if (!found.metadata.finalizers?.includes(TASK_FINALIZER)) return {};
      if (id && !FINISHED.has(phase)) {
        try {
          await executor.cancelTask(id, 'AutomationTask deleted');
          await deps.events.record(found, 'Normal', 'Cancelled', `cancelled executor task ${id}`);
        } catch (e) {
          if (!hasCode(e, 'NOT_FOUND')) throw e;
        }
      }
      await removeFinalizer(api, type, found, TASK_FINALIZER);
      return {};
    }
    const t = (await addFinalizer(api, type, found, TASK_FINALIZER)) as AutomationTask;
    if (FINISHED.has(phase)) {
      if (id) deps.watch?.forget(id);
      return finish(t);
    }
    if (!id) return submit(t);
    const followed = deps.watch?.follow(id, key);
    const streamed =
      followed && (followed.state === 'LIVE' || followed.state === 'ENDED') ? followed.latest : undefined;
    let task: ExecutorTask;
    try {
      task = streamed ?? (await executor.getTask(id));
    } catch (e) {
      if (!hasCode(e, 'NOT_FOUND')) throw e;
      deps.watch?.forget(id);
      await writeStatus(t, { phase: 'Failed', message: `the executor no longer knows task ${id}` }, 'TaskLost');
      return {};
    }
    await writeStatus(t, statusFromTask(task), phaseOf(task));
    if (FINISHED.has(phaseOf(task))) return { requeueAfterMs: 0 };
    // Streamed: the next event wakes us. Polled: ask again after `pollMs`.
    return streamed ? {} : { requeueAfterMs: poll };
  };
}

/**
 * The AutomationTask reconciler (phases in `task-types.ts`).
 *
 * - A new task gets the finalizer `nightglow.io/task`. A task naming a
 *   BrowserSession waits (Pending) until that session is Ready; a missing one
 *   fails the task with reason SessionNotFound.
 * - SubmitTask carries the object's uid as idempotency key, so an operator
 *   that crashed between submitting and writing status (or a new leader)
 *   gets the same executor task back instead of running it twice.
 * - Status follows the executor (GetTask every 2 s while it runs): phase,
 *   progress, current action, times, output summary.
 * - A spec the executor refuses (unknown template, bad action) ends Failed
 *   with reason SubmitRejected and the executor's message; not retried.
 * - When the task finished, a TaskRecord is created once (it waits up to a
 *   minute for the record store's record id), and, with
 *   `ttlSecondsAfterFinished`, the task is deleted that long after finishing.
 * - Deleting an unfinished task cancels it in the executor first.
 */
import type { JsonObject } from '@bufbuild/protobuf';
import type { Clock } from '@nightglow/runtime';
import type { ExecutorApi, ExecutorTask } from '../clients/executor-api.js';
import { setCondition } from '../controller/conditions.js';
import type { ReconcileResult, Reconciler } from '../controller/controller.js';
import type { EventRecorder } from '../controller/events.js';
import { addFinalizer, removeFinalizer } from '../controller/finalizers.js';
import { hasCode, OperatorError } from '../errors.js';
import { parseKey, type KubeApi } from '../kube/kube-api.js';
import { RESOURCES } from '../kube/resources.js';
import type { BrowserSession } from '../session/session-reconciler.js';
import { buildTaskRecord, recordName } from './task-record.js';
import { FINISHED, phaseOf, statusFromTask, type AutomationTask, type AutomationTaskStatus } from './task-types.js';

/** The finalizer that cancels an unfinished task before the object goes. */
export const TASK_FINALIZER = 'nightglow.io/task';

/** What the task reconciler needs. */
export type TaskReconcilerDeps = {
  readonly api: KubeApi;
  readonly executor: ExecutorApi;
  readonly clock: Clock;
  readonly events: EventRecorder;
  /** How often a running task is polled; default 2 s. */
  readonly pollMs?: number;
  /** How long a finished task waits for its record id; default 60 s. */
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
    return { requeueAfterMs: FINISHED.has(phaseOf(task)) ? 0 : poll };
  }

  async function finish(t: AutomationTask): Promise<ReconcileResult> {
    const now = deps.clock.now();
    const finishedAt = t.status?.finishTime ? Date.parse(t.status.finishTime) : now;
    if (!t.status?.recordName && t.status?.taskId) {
      const task = await executor.getTask(t.status.taskId);
      if (!task.recordId && now - finishedAt < (deps.recordWaitMs ?? 60_000)) return { requeueAfterMs: poll };
      try {
        await api.create(RESOURCES.taskRecord, buildTaskRecord(t, task));
      } catch (e) {
        if (!hasCode(e, 'ALREADY_EXISTS')) throw e;
      }
      await writeStatus(t, { ...statusFromTask(task), recordName: recordName(t) }, 'Recorded');
      await deps.events.record(t, 'Normal', 'Recorded', `TaskRecord ${recordName(t)}`);
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
    if (!found) return {};
    const phase = found.status?.phase ?? 'Pending';
    const id = found.status?.taskId;
    if (found.metadata.deletionTimestamp) {
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
    if (FINISHED.has(phase)) return finish(t);
    if (!id) return submit(t);
    let task: ExecutorTask;
    try {
      task = await executor.getTask(id);
    } catch (e) {
      if (!hasCode(e, 'NOT_FOUND')) throw e;
      await writeStatus(t, { phase: 'Failed', message: `the executor no longer knows task ${id}` }, 'TaskLost');
      return {};
    }
    await writeStatus(t, statusFromTask(task), phaseOf(task));
    return { requeueAfterMs: FINISHED.has(phaseOf(task)) ? 0 : poll };
  };
}

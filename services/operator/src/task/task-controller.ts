/** The AutomationTask controller: its reconciler, fed by the informer and by the executor's task streams. */
import type { Clock, Logger } from '@nightglow/runtime';
import type { ExecutorApi, ExecutorTask } from '../clients/executor-api.js';
import { createStreamFollower, type StreamFollower } from '../controller/stream-follower.js';
import type { ControllerSpec } from '../manager/controller-set.js';
import { objectKey, type KubeObject } from '../kube/kube-api.js';
import { RESOURCES } from '../kube/resources.js';
import { createTaskReconciler, type TaskReconcilerDeps } from './task-reconciler.js';
import { FINISHED, phaseOf, type AutomationTask } from './task-types.js';

/** Follows executor tasks through WatchTask (one stream per running task); the stream ends after a finished state. */
export function createTaskFollower(deps: {
  readonly executor: ExecutorApi;
  readonly clock: Clock;
  readonly logger: Logger;
}): StreamFollower<ExecutorTask> {
  return createStreamFollower({
    name: 'task',
    open: (id, signal) => deps.executor.watchTask(id, signal),
    isFinal: (t) => FINISHED.has(phaseOf(t)),
    clock: deps.clock,
    logger: deps.logger,
  });
}

/**
 * AutomationTasks of the same namespace that name `session` and are not
 * submitted yet: the ones a change of that BrowserSession (e.g. turning
 * Ready) must wake.
 */
export function tasksWaitingFor(session: KubeObject, tasks: readonly KubeObject[]): string[] {
  return (tasks as AutomationTask[])
    .filter(
      (t) =>
        t.metadata.namespace === session.metadata.namespace &&
        t.spec.session === session.metadata.name &&
        !t.status?.taskId,
    )
    .map((t) => objectKey(t));
}

/**
 * The controller spec: reconciles AutomationTasks (and writes TaskRecords);
 * `deps.watch`, when given, runs as its event source, and a BrowserSession's
 * changes wake the tasks waiting for it (their poll is only a fallback).
 */
export function taskControllerSpec(deps: TaskReconcilerDeps, workers?: number): ControllerSpec {
  return {
    name: 'automationtask',
    primary: RESOURCES.automationTask,
    reconcile: createTaskReconciler(deps),
    watches: [{ type: RESOURCES.browserSession, keys: tasksWaitingFor }],
    ...(deps.watch ? { sources: [deps.watch] } : {}),
    ...(workers ? { workers } : {}),
  };
}

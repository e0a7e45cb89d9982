/** Builds the TaskRecord custom resource for a finished AutomationTask. */
import type { ExecutorTask } from '../clients/executor-api.js';
import { formatDuration } from '../duration.js';
import type { KubeObject } from '../kube/kube-api.js';
import { API_VERSION } from '../kube/resources.js';
import { phaseOf, summarizeOutputs, type AutomationTask } from './task-types.js';

/** The record's name: the task's name plus the start of its uid (a re-created task gets a new record). */
export function recordName(task: AutomationTask): string {
  return `${(task.metadata.name ?? 'task').slice(0, 240)}-${(task.metadata.uid ?? '').slice(0, 8)}`;
}

/**
 * The TaskRecord for `t`. It has no owner reference on purpose: it outlives
 * its task (`ttlSecondsAfterFinished` removes the task, not the record).
 */
export function buildTaskRecord(task: AutomationTask, t: ExecutorTask): KubeObject {
  const ms = t.startTime && t.finishTime ? Date.parse(t.finishTime) - Date.parse(t.startTime) : undefined;
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
    spec: {
      taskName: task.metadata.name ?? '',
      taskUid: task.metadata.uid ?? '',
      taskId: t.id,
      recordId: t.recordId,
      phase: phaseOf(t),
      pool: t.pool,
      sessionId: t.sessionId,
      ...(t.templateName ? { template: t.templateName } : {}),
      ...(t.startTime ? { startTime: t.startTime } : {}),
      ...(t.finishTime ? { finishTime: t.finishTime } : {}),
      ...(ms !== undefined ? { duration: formatDuration(ms) } : {}),
      totalActions: t.total,
      succeededActions: t.succeededActions,
      failedActions: t.failedActions,
      actionsSummary: `${t.succeededActions}/${t.total}`,
      outputs: summarizeOutputs(t.outputs),
      artifacts: [...t.artifacts],
      ...(t.error
        ? {
            error: {
              reason: t.error.reason,
              message: t.error.message.slice(0, 1024),
              ...(t.error.actionIndex !== undefined ? { actionIndex: t.error.actionIndex } : {}),
            },
          }
        : {}),
      labels: { ...(task.spec.labels ?? {}) },
    },
  };
}

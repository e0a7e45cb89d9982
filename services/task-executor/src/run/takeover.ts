/**
 * Ends a task whose replica died while running it: its running action FAILED,
 * the rest SKIPPED, the task FAILED with reason EXECUTOR_LOST and a message
 * naming the replica, its ephemeral session deleted, and the usual events. A
 * task that had already ended is left alone (the store never replaces a
 * terminal task).
 */
import { clone, create } from '@bufbuild/protobuf';
import {
  ActionErrorReason,
  ActionErrorSchema,
  ActionEventType,
  ActionResultSchema,
  ActionState,
  ProgressSchema,
  TaskErrorSchema,
  TaskEventType,
  TaskFailureReason,
  TaskState,
  type Progress,
  type Task,
} from '@nightglow/contracts/executor/v1';
import { timestampOf } from '../spec/durations.js';
import type { RunnerDeps } from './job.js';

/** The message of a task its dead replica was running (or starting). */
export function lostMessage(deadReplica: string, running: boolean): string {
  return running
    ? `executor replica ${deadReplica} stopped while running the task`
    : `executor replica ${deadReplica} stopped before the task could be taken over`;
}

/** Ends `task` FAILED (EXECUTOR_LOST); resolves whether this call ended it. */
export async function failLostTask(task: Task, message: string, deps: RunnerDeps): Promise<boolean> {
  let failedAt: number | undefined;
  const progress = (): Progress => clone(ProgressSchema, task.progress ?? create(ProgressSchema));
  const events: Parameters<RunnerDeps['events']['action']>[1][] = [];
  for (const [i, r] of task.actionResults.entries()) {
    if (r.state === ActionState.RUNNING) {
      failedAt ??= i;
      r.state = ActionState.FAILED;
      r.error = create(ActionErrorSchema, { reason: ActionErrorReason.INTERNAL, message });
    } else if (r.state === ActionState.PENDING) {
      r.state = ActionState.SKIPPED;
    } else continue;
    if (task.progress) task.progress.completed += 1;
    const type = r.state === ActionState.FAILED ? ActionEventType.FAILED : ActionEventType.SKIPPED;
    events.push({ type, actionId: `${task.id}/${i}`, result: clone(ActionResultSchema, r), progress: progress() });
  }
  Object.assign(task, {
    state: TaskState.FAILED,
    finishTime: timestampOf(deps.clock.now()),
    currentActionIndex: undefined,
    currentActionName: '',
    queuePosition: 0,
  });
  task.error = create(TaskErrorSchema, {
    reason: TaskFailureReason.EXECUTOR_LOST,
    message,
    ...(failedAt === undefined ? {} : { actionIndex: failedAt }),
  });
  if (task.ephemeralSession && task.sessionId !== '') {
    await deps.sessions.release({
      sessionId: task.sessionId,
      pool: task.pool,
      ephemeral: true,
      sidecarAddress: '',
      browserContextId: '',
      endpoint: { wsEndpoint: '', headers: {} },
    });
  }
  if (!(await deps.store.putTask(task))) return false;
  for (const e of events) await deps.events.action(task, e);
  deps.metrics.tasksTotal.child('FAILED').inc();
  await deps.events.task(task, TaskEventType.FAILED);
  return true;
}

/**
 * The task lifecycle as an explicit state machine:
 *
 *     QUEUED ──► RUNNING ──► SUCCEEDED | FAILED | CANCELLED | TIMED_OUT
 *        └──────────────────► FAILED | CANCELLED   (session unavailable, cancelled while queued)
 *
 * Terminal states never change again. Actions go PENDING → RUNNING →
 * SUCCEEDED | FAILED, or PENDING → SKIPPED when the task ends first.
 */
import { ActionState, TaskEventType, TaskState } from '@nightglow/contracts/executor/v1';
import { ExecutorError } from '../errors.js';

const NEXT: Record<TaskState, readonly TaskState[]> = {
  [TaskState.UNSPECIFIED]: [TaskState.QUEUED],
  [TaskState.QUEUED]: [TaskState.RUNNING, TaskState.FAILED, TaskState.CANCELLED, TaskState.TIMED_OUT],
  [TaskState.RUNNING]: [TaskState.SUCCEEDED, TaskState.FAILED, TaskState.CANCELLED, TaskState.TIMED_OUT],
  [TaskState.SUCCEEDED]: [],
  [TaskState.FAILED]: [],
  [TaskState.CANCELLED]: [],
  [TaskState.TIMED_OUT]: [],
};

/** Whether `s` is a terminal task state. */
export function isTerminal(s: TaskState): boolean {
  return s === TaskState.SUCCEEDED || s === TaskState.FAILED || s === TaskState.CANCELLED || s === TaskState.TIMED_OUT;
}

/** Whether a task may move from `from` to `to`. */
export function canTransition(from: TaskState, to: TaskState): boolean {
  return NEXT[from].includes(to);
}

/** Throws INTERNAL when `from → to` is not a lifecycle edge (a bug, never a client error). */
export function assertTransition(from: TaskState, to: TaskState): void {
  if (!canTransition(from, to)) {
    throw new ExecutorError('INTERNAL', `illegal task transition ${TaskState[from]} -> ${TaskState[to]}`);
  }
}

/** The task event announcing state `s`. */
export function eventTypeOf(s: TaskState): TaskEventType {
  switch (s) {
    case TaskState.QUEUED:
      return TaskEventType.QUEUED;
    case TaskState.RUNNING:
      return TaskEventType.STARTED;
    case TaskState.SUCCEEDED:
      return TaskEventType.SUCCEEDED;
    case TaskState.FAILED:
      return TaskEventType.FAILED;
    case TaskState.CANCELLED:
      return TaskEventType.CANCELLED;
    case TaskState.TIMED_OUT:
      return TaskEventType.TIMED_OUT;
    case TaskState.UNSPECIFIED:
      return TaskEventType.SNAPSHOT;
  }
}

/** Whether an action in state `s` is finished (counts toward progress). */
export function isActionDone(s: ActionState): boolean {
  return s === ActionState.SUCCEEDED || s === ActionState.FAILED || s === ActionState.SKIPPED;
}

/** The envelope type suffix of a task event, e.g. `timed_out`. */
export function taskEventSuffix(t: TaskEventType): string {
  return (TaskEventType[t] ?? 'UNSPECIFIED').toLowerCase();
}

/**
 * WatchTask as an async iterable over the store's per-task channel: it
 * subscribes first and reads the task second, so no transition between the
 * two is missed (one may be seen twice). It ends after the terminal task
 * event, or at once for a finished task, or when `signal` aborts.
 */
import { create } from '@bufbuild/protobuf';
import {
  TaskEventSchema,
  TaskEventType,
  WatchTaskResponseSchema,
  type Task,
  type WatchTaskResponse,
} from '@nightglow/contracts/executor/v1';
import { ExecutorError } from '../errors.js';
import type { TaskStore } from '../store/port.js';
import { isTerminal, eventTypeOf } from './task-state.js';

/** What to watch. */
export type WatchRequest = { readonly taskId: string; readonly sendInitial: boolean; readonly signal: AbortSignal };

const taskEvent = (task: Task, type: TaskEventType): WatchTaskResponse =>
  create(WatchTaskResponseSchema, { event: { case: 'taskEvent', value: create(TaskEventSchema, { type, task }) } });

function endsStream(e: WatchTaskResponse): boolean {
  return e.event.case === 'taskEvent' && e.event.value.task !== undefined && isTerminal(e.event.value.task.state);
}

/** Streams the events of one task; NOT_FOUND when it is unknown. */
export async function* watchTask(store: TaskStore, req: WatchRequest): AsyncGenerator<WatchTaskResponse> {
  const pending: WatchTaskResponse[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = await store.subscribe(req.taskId, (e) => {
    pending.push(e);
    wake?.();
  });
  const onAbort = (): void => wake?.();
  req.signal.addEventListener('abort', onAbort);
  try {
    const task = await store.getTask(req.taskId);
    if (!task) throw ExecutorError.notFound('task', req.taskId);
    if (req.sendInitial) yield taskEvent(task, TaskEventType.SNAPSHOT);
    if (isTerminal(task.state)) {
      if (!req.sendInitial) yield taskEvent(task, eventTypeOf(task.state));
      return;
    }
    while (!req.signal.aborted) {
      const next = pending.shift();
      if (next === undefined) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      yield next;
      if (endsStream(next)) return;
    }
  } finally {
    req.signal.removeEventListener('abort', onAbort);
    await unsubscribe();
  }
}

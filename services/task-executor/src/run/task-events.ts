/**
 * Publishes task and action lifecycle events twice: to the event bus as
 * Envelopes (`task.*` on `tasks`, `action.*` on `actions`, keyed by session
 * id, labels copied) and to the store's per-task channel that WatchTask
 * streams read. Artifact content travels inline only on the bus (for the
 * record store); watch streams and stored tasks carry references.
 */
import { clone, create } from '@bufbuild/protobuf';
import type { EventBus } from '@nightglow/bus';
import { createEnvelope } from '@nightglow/bus';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { SourceSchema } from '@nightglow/contracts/events/v1';
import {
  ActionEventSchema,
  ActionEventType,
  TaskEventSchema,
  TaskSchema,
  WatchTaskResponseSchema,
  type ActionEvent,
  type Task,
  type TaskEventType,
} from '@nightglow/contracts/executor/v1';
import type { Clock, Logger } from '@nightglow/runtime';
import type { TaskStore } from '../store/port.js';
import { timestampOf } from '../spec/durations.js';
import { taskEventSuffix } from './task-state.js';

/** Where lifecycle events go. */
export type TaskEvents = {
  /** A task event carrying a snapshot of `task`. */
  task(task: Task, type: TaskEventType): Promise<void>;
  /** An action event; `event.result.artifacts` may carry inline data (kept on the bus only). */
  action(task: Task, event: Omit<ActionEvent, '$typeName' | 'time' | 'taskId' | 'sessionId'>): Promise<void>;
};

/** Options of {@link createTaskEvents}. */
export type TaskEventsOptions = {
  readonly bus: EventBus;
  readonly store: TaskStore;
  readonly source: MessageInitShape<typeof SourceSchema>;
  readonly clock: Clock;
  readonly logger: Logger;
};

function withoutData<T extends { artifacts: { data: Uint8Array }[] }>(x: T): void {
  for (const a of x.artifacts) a.data = new Uint8Array(0);
}

/** Creates the publisher; a bus failure is logged and never fails the task. */
export function createTaskEvents(opts: TaskEventsOptions): TaskEvents {
  const publish = async (
    type: string,
    task: Task,
    payload: Parameters<typeof createEnvelope>[0]['payload'],
    actionId = '',
  ): Promise<void> => {
    const env = createEnvelope({
      type,
      source: opts.source,
      payload,
      sessionId: task.sessionId,
      taskId: task.id,
      pool: task.pool,
      labels: task.spec?.labels ?? {},
      ...(actionId ? { actionId } : {}),
      now: opts.clock.now,
    });
    await opts.bus
      .publish([env])
      .catch((e: unknown) => opts.logger.error({ err: e, task_id: task.id, type }, 'event not published'));
  };
  return {
    async task(task, type) {
      const snapshot = clone(TaskSchema, task);
      withoutData(snapshot);
      for (const r of snapshot.actionResults) withoutData(r);
      const event = create(TaskEventSchema, { type, task: snapshot, time: timestampOf(opts.clock.now()) });
      await publish(`task.${taskEventSuffix(type)}`, task, { case: 'task', value: event });
      await opts.store.publish(
        task.id,
        create(WatchTaskResponseSchema, { event: { case: 'taskEvent', value: event } }),
      );
    },
    async action(task, init) {
      const event = create(ActionEventSchema, {
        ...init,
        taskId: task.id,
        sessionId: task.sessionId,
        time: timestampOf(opts.clock.now()),
      });
      const suffix = (ActionEventType[event.type] ?? 'unspecified').toLowerCase();
      await publish(`action.${suffix}`, task, { case: 'action', value: event }, event.actionId);
      const watched = clone(ActionEventSchema, event);
      if (watched.result) withoutData(watched.result);
      await opts.store.publish(
        task.id,
        create(WatchTaskResponseSchema, { event: { case: 'actionEvent', value: watched } }),
      );
    },
  };
}

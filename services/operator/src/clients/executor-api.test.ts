import { describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import {
  ActionEventSchema,
  ActionEventType,
  ActionResultSchema,
  ProgressSchema,
  TaskSchema,
  TaskState,
} from '@nightglow/contracts/executor/v1';
import { applyActionEvent, toExecutorTask } from './executor-api.js';

const event = (type: ActionEventType, name: string, completed: number) =>
  create(ActionEventSchema, {
    type,
    result: create(ActionResultSchema, { name }),
    progress: create(ProgressSchema, { completed, total: 3 }),
  });

describe('WatchTask events applied to a task', () => {
  const queued = toExecutorTask(
    create(TaskSchema, {
      id: 't-1',
      state: TaskState.QUEUED,
      progress: create(ProgressSchema, { completed: 0, total: 3 }),
    }),
  );

  it('moves progress and the running action with each action event', () => {
    const started = applyActionEvent(queued, event(ActionEventType.STARTED, 'open', 0));
    expect(started).toMatchObject({ state: 'RUNNING', currentAction: 'open', completed: 0, total: 3 });
    const done = applyActionEvent(started, event(ActionEventType.SUCCEEDED, 'open', 1));
    expect(done).toMatchObject({ state: 'RUNNING', currentAction: '', completed: 1 });
    const retrying = applyActionEvent(
      applyActionEvent(done, event(ActionEventType.STARTED, 'titles', 1)),
      event(ActionEventType.RETRYING, 'titles', 1),
    );
    expect(retrying).toMatchObject({ currentAction: 'titles', completed: 1 });
    expect(applyActionEvent(retrying, event(ActionEventType.FAILED, 'titles', 2))).toMatchObject({
      currentAction: '',
      completed: 2,
    });
    expect(queued).toMatchObject({ state: 'QUEUED', currentAction: '' });
  });
});

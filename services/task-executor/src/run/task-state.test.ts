import { describe, expect, it } from 'vitest';
import { TaskEventType, TaskState } from '@nightglow/contracts/executor/v1';
import { assertTransition, canTransition, eventTypeOf, isTerminal, taskEventSuffix } from './task-state.js';

describe('task state machine', () => {
  it('allows the documented edges only', () => {
    expect(canTransition(TaskState.QUEUED, TaskState.RUNNING)).toBe(true);
    expect(canTransition(TaskState.QUEUED, TaskState.CANCELLED)).toBe(true);
    expect(canTransition(TaskState.QUEUED, TaskState.SUCCEEDED)).toBe(false);
    expect(canTransition(TaskState.RUNNING, TaskState.TIMED_OUT)).toBe(true);
    expect(canTransition(TaskState.RUNNING, TaskState.QUEUED)).toBe(false);
    for (const t of [TaskState.SUCCEEDED, TaskState.FAILED, TaskState.CANCELLED, TaskState.TIMED_OUT]) {
      expect(isTerminal(t)).toBe(true);
      expect(canTransition(t, TaskState.RUNNING)).toBe(false);
    }
    expect(() => assertTransition(TaskState.SUCCEEDED, TaskState.FAILED)).toThrow(
      'illegal task transition SUCCEEDED -> FAILED',
    );
  });

  it('names the events of each state as the bus vocabulary does', () => {
    expect(eventTypeOf(TaskState.RUNNING)).toBe(TaskEventType.STARTED);
    expect(taskEventSuffix(eventTypeOf(TaskState.TIMED_OUT))).toBe('timed_out');
    expect(taskEventSuffix(eventTypeOf(TaskState.QUEUED))).toBe('queued');
  });
});

import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { createMemoryBus } from '@nightglow/bus';
import { createLogger, createMetrics, systemClock } from '@nightglow/runtime';
import { TaskFailureReason, TaskSpecSchema, TaskState, type Task } from '@nightglow/contracts/executor/v1';
import { ExecutorError } from '../errors.js';
import { createExecutorMetrics } from '../metrics.js';
import { noPhaseMarker } from '../phase/phase-marker.js';
import type { SessionProvider } from '../sessions/port.js';
import { createMemoryStore } from '../store/memory-store.js';
import { createExecutor } from './executor.js';
import { createTaskEvents } from './task-events.js';

/** A provider whose sessions never arrive until the task is aborted, or that always fails. */
function fakeSessions(mode: 'hang' | 'fail'): SessionProvider & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    check: async (id) => {
      if (id !== 'known') throw ExecutorError.notFound('session', id);
    },
    acquire: (req, signal) => {
      asked.push(req.taskId);
      if (mode === 'fail') return Promise.reject(new ExecutorError('UNAVAILABLE', 'pool "default" is full'));
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    },
    release: async () => undefined,
    close: async () => undefined,
  };
}

function setup(mode: 'hang' | 'fail', concurrency = 1) {
  const store = createMemoryStore();
  const sessions = fakeSessions(mode);
  const logger = createLogger({ service: 'test', level: 'silent' });
  const metrics = createExecutorMetrics(createMetrics('test').registry);
  const events = createTaskEvents({
    bus: createMemoryBus(),
    store,
    source: { service: 'test' },
    clock: systemClock,
    logger,
  });
  const executor = createExecutor({
    store,
    sessions,
    phases: noPhaseMarker,
    events,
    clock: systemClock,
    logger,
    metrics,
    rng: Math.random,
    concurrency,
    queueLimit: 2,
    allowEvaluate: false,
  });
  return { executor, sessions, store };
}

const spec = (json: JsonValue) => fromJson(TaskSpecSchema, json);
const simple = spec({ actions: [{ navigate: { url: 'http://127.0.0.1:1/' } }] });
const until = async (f: () => Promise<Task>, ok: (t: Task) => boolean): Promise<Task> => {
  for (let i = 0; i < 200; i++) {
    const t = await f();
    if (ok(t)) return t;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not reached');
};

describe('executor with fake ports', () => {
  it('queues beyond the concurrency, reports positions, cancels a queued task at once, refuses a full queue', async () => {
    const { executor, sessions } = setup('hang', 1);
    const a = await executor.submit(simple, false);
    const b = await executor.submit(simple, false);
    const c = await executor.submit(simple, false);
    expect(sessions.asked).toEqual([a.task.id]);
    expect((await executor.get(b.task.id)).queuePosition).toBe(1);
    expect((await executor.get(c.task.id)).queuePosition).toBe(2);
    await expect(executor.submit(simple, false)).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
    const cancelled = await executor.cancel(b.task.id, 'no longer needed');
    expect(cancelled.state).toBe(TaskState.CANCELLED);
    expect(cancelled.error?.reason).toBe(TaskFailureReason.CANCELLED);
    expect((await executor.get(c.task.id)).queuePosition).toBe(1);
    const runningCancel = await executor.cancel(a.task.id, '');
    expect(runningCancel.state).toBe(TaskState.CANCELLED);
    await until(
      () => executor.get(c.task.id),
      (t) => t.state === TaskState.QUEUED && sessions.asked.includes(c.task.id),
    );
    await executor.close();
    expect((await executor.get(c.task.id)).state).toBe(TaskState.CANCELLED);
  });

  it('fails a task whose session cannot be had with SESSION_UNAVAILABLE', async () => {
    const { executor } = setup('fail');
    const { task } = await executor.submit(simple, false);
    const done = await until(
      () => executor.get(task.id),
      (t) => t.state === TaskState.FAILED,
    );
    expect(done.error?.reason).toBe(TaskFailureReason.SESSION_UNAVAILABLE);
    expect(done.error?.message).toContain('pool "default" is full');
    expect(done.startTime).toBeUndefined();
    await executor.close();
  });

  it('refuses an unknown session NOT_FOUND and validates without running', async () => {
    const { executor, sessions } = setup('fail');
    await expect(
      executor.submit(spec({ sessionId: 'nope', actions: [{ click: { selector: 'a' } }] }), false),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const v = await executor.submit(spec({ sessionId: 'known', actions: [{ click: { selector: 'a' } }] }), true);
    expect(v.task.state).toBe(TaskState.UNSPECIFIED);
    expect(sessions.asked).toEqual([]);
    await expect(executor.get(v.task.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await executor.close();
  });
});

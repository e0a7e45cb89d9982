import { create, fromJson } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { createMemoryBus } from '@nightglow/bus';
import { createLogger, createManualClock, createMetrics, type ManualClock } from '@nightglow/runtime';
import {
  ActionResultSchema,
  ActionSchema,
  ActionState,
  TaskFailureReason,
  TaskSchema,
  TaskSpecSchema,
  TaskState,
  type WatchTaskResponse,
} from '@nightglow/contracts/executor/v1';
import { createExecutorMetrics } from '../metrics.js';
import { noPhaseMarker } from '../phase/phase-marker.js';
import type { AcquiredSession, SessionProvider } from '../sessions/port.js';
import { createMemoryStore } from '../store/memory-store.js';
import type { TaskStore } from '../store/port.js';
import { timestampOf } from '../spec/durations.js';
import { createExecutor, type Executor } from './executor.js';
import { encodeJobActions } from './job.js';
import { createTaskEvents } from './task-events.js';

/** Sessions that never arrive (until the task is aborted); records who asked and what was released. */
function hangingSessions(): SessionProvider & { asked: string[]; released: AcquiredSession[] } {
  const asked: string[] = [];
  const released: AcquiredSession[] = [];
  return {
    asked,
    released,
    check: async () => undefined,
    acquire: (req, signal) => {
      asked.push(req.taskId);
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    },
    release: async (s) => void released.push(s),
    close: async () => undefined,
  };
}

function replica(id: string, store: TaskStore, clock: ManualClock) {
  const sessions = hangingSessions();
  const logger = createLogger({ service: 'test', level: 'silent' });
  const metrics = createExecutorMetrics(createMetrics('test').registry);
  const events = createTaskEvents({ bus: createMemoryBus(), store, source: { service: 'test' }, clock, logger });
  const executor: Executor = createExecutor({
    store,
    sessions,
    phases: noPhaseMarker,
    events,
    clock,
    logger,
    metrics,
    rng: Math.random,
    concurrency: 2,
    queueLimit: 10,
    allowEvaluate: false,
    replica: { id, timeoutMs: 1000 },
  });
  return { executor, sessions, metrics };
}

const actions = [
  fromJson(ActionSchema, { navigate: { url: 'http://127.0.0.1:1/a' } }),
  fromJson(ActionSchema, { click: { selector: '#b' } }),
  fromJson(ActionSchema, { click: { selector: '#c' } }),
];

/** A task as the dead replica left it: RUNNING at action 1 (in an ephemeral session), or QUEUED. */
function leftBehind(id: string, state: TaskState, clock: ManualClock) {
  return create(TaskSchema, {
    id,
    spec: create(TaskSpecSchema, { session: { case: 'ephemeralSession', value: { pool: 'default' } } }),
    state,
    actions,
    sessionId: state === TaskState.RUNNING ? 'session-1' : '',
    ephemeralSession: true,
    pool: 'default',
    progress: { completed: state === TaskState.RUNNING ? 1 : 0, total: 3 },
    actionResults: actions.map((_, i) =>
      create(ActionResultSchema, {
        index: i,
        name: `a${i}`,
        state:
          state !== TaskState.RUNNING
            ? ActionState.PENDING
            : ([ActionState.SUCCEEDED, ActionState.RUNNING][i] ?? ActionState.PENDING),
      }),
    ),
    createTime: timestampOf(clock.now()),
  });
}

async function deadReplicaWith(store: TaskStore, clock: ManualClock, dead = 'dead') {
  await store.leases.heartbeat(dead, 1000);
  for (const [id, state] of [
    ['running', TaskState.RUNNING],
    ['queued', TaskState.QUEUED],
  ] as const) {
    await store.putTask(leftBehind(id, state, clock));
    await store.leases.hold(dead, id, encodeJobActions(actions));
  }
}

describe('takeover of a dead replica', () => {
  it('fails its running task naming the replica, runs its queued one, each exactly once', async () => {
    const clock = createManualClock(Date.UTC(2030, 0, 1));
    const store = createMemoryStore({ clock });
    await deadReplicaWith(store, clock);
    const seen: WatchTaskResponse[] = [];
    await store.subscribe('running', (e) => seen.push(e));
    const [b, c] = [replica('b', store, clock), replica('c', store, clock)];
    await Promise.all([b.executor.start(), c.executor.start()]);
    expect(await store.leases.lapsed()).toEqual([]); // still alive: nothing to take over yet
    clock.advance(1001);
    await Promise.all([b.executor.start(), c.executor.start()]); // no-ops: already started
    // b and c beat every 333 ms: the dead one is noticed within timeout + a third of it.
    for (let i = 0; i < 4; i++) {
      clock.advance(334);
      for (let j = 0; j < 20; j++) await new Promise((r) => setImmediate(r));
    }
    const running = await store.getTask('running');
    expect(running?.state).toBe(TaskState.FAILED);
    expect(running?.error?.reason).toBe(TaskFailureReason.EXECUTOR_LOST);
    expect(running?.error?.message).toBe('executor replica dead stopped while running the task');
    expect(running?.error?.actionIndex).toBe(1);
    expect(running?.actionResults.map((r) => r.state)).toEqual([
      ActionState.SUCCEEDED,
      ActionState.FAILED,
      ActionState.SKIPPED,
    ]);
    const terminal = seen.filter((e) => e.event.case === 'taskEvent');
    expect(terminal).toHaveLength(1);
    // Its ephemeral session was deleted once, by whichever replica took it over.
    expect([...b.sessions.released, ...c.sessions.released].map((s) => s.sessionId)).toEqual(['session-1']);
    // The queued one runs on exactly one survivor.
    expect([...b.sessions.asked, ...c.sessions.asked]).toEqual(['queued']);
    expect(await store.leases.lapsed()).toEqual([]);
    const taker = b.sessions.asked.length === 1 ? b : c;
    expect(await store.leases.holds(taker === b ? 'b' : 'c', 'queued')).toBe(true);
    expect((await taker.executor.get('queued')).queuePosition).toBe(0);
    // The queued task is the taker's own now: shutting the taker down cancels it and releases it.
    await Promise.all([b.executor.close(), c.executor.close()]);
    expect((await store.getTask('queued'))?.state).toBe(TaskState.CANCELLED);
    expect(await store.leases.holds(taker === b ? 'b' : 'c', 'queued')).toBe(false);
  });

  it('never replaces a task that ended, and a replica that lapsed lets go of what others took', async () => {
    const clock = createManualClock(Date.UTC(2030, 0, 1));
    const store = createMemoryStore({ clock });
    const done = leftBehind('done', TaskState.QUEUED, clock);
    done.state = TaskState.SUCCEEDED;
    done.finishTime = timestampOf(clock.now());
    expect(await store.putTask(done)).toBe(true);
    expect(await store.putTask(leftBehind('done', TaskState.RUNNING, clock))).toBe(false);
    expect((await store.getTask('done'))?.state).toBe(TaskState.SUCCEEDED);

    const a = replica('a', store, clock);
    await a.executor.start();
    const { task } = await a.executor.submit(create(TaskSpecSchema, { actions }), false);
    expect(a.sessions.asked).toEqual([task.id]);
    // a stops beating (a long pause): its lease lapses and b takes its task over.
    clock.advance(1001);
    // b takes over before a's next beat runs (which the advance only queued).
    const taken = store.leases.takeOver('a', 'b');
    expect((await taken).map((h) => h.taskId)).toEqual([task.id]);
    expect(await store.leases.takeOver('a', 'c')).toEqual([]);
    // a's beat then finds its lease had lapsed and stops its local run without writing anything.
    for (let j = 0; j < 20; j++) await new Promise((r) => setImmediate(r));
    const after = await store.getTask(task.id);
    expect(after?.state).toBe(TaskState.QUEUED);
    expect(await store.leases.holds('b', task.id)).toBe(true);
    await a.executor.close();
    expect((await store.getTask(task.id))?.state).toBe(TaskState.QUEUED);
  });

  it("a replica restarted under the same REPLICA_ID takes over its predecessor's tasks at start", async () => {
    const clock = createManualClock(Date.UTC(2030, 0, 1));
    const store = createMemoryStore({ clock });
    await deadReplicaWith(store, clock, 'executor-0');
    const again = replica('executor-0', store, clock); // before the old heartbeat lapsed
    await again.executor.start();
    const running = await store.getTask('running');
    expect(running?.state).toBe(TaskState.FAILED);
    expect(running?.error?.message).toBe('executor replica executor-0 stopped while running the task');
    expect(again.sessions.asked).toEqual(['queued']);
    expect((await store.leases.held('executor-0')).map((h) => h.taskId)).toEqual(['queued']);
    await again.executor.close();
    expect(await store.leases.held('executor-0')).toEqual([]);
  });
});

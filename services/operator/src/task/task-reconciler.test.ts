import { describe, expect, it } from 'vitest';
import type { JsonObject } from '@bufbuild/protobuf';
import { createLogger, createManualClock } from '@nightglow/runtime';
import type { ExecutorApi, ExecutorTask } from '../clients/executor-api.js';
import type { RecordStoreApi, SealedRecord } from '../clients/record-store-api.js';
import { hasCode, OperatorError } from '../errors.js';
import { API_VERSION, RESOURCES } from '../kube/resources.js';
import { createFakeKube } from '../testing/fake-kube.js';
import { createFakeStreams, recordingEvents, type FakeStreams } from '../testing/fakes.js';
import { createTaskFollower, tasksWaitingFor } from './task-controller.js';
import { createTaskReconciler, TASK_FINALIZER } from './task-reconciler.js';
import type { AutomationTask } from './task-types.js';

type FakeExecutor = ExecutorApi & {
  submitted: JsonObject[];
  cancelled: string[];
  tasks: Map<string, ExecutorTask>;
  streams: FakeStreams<ExecutorTask>;
  gets: number;
  down: boolean;
};

function fakeExecutor(): FakeExecutor {
  const tasks = new Map<string, ExecutorTask>();
  const byKey = new Map<string, string>();
  const streams = createFakeStreams<ExecutorTask>();
  const fake: FakeExecutor = {
    submitted: [],
    cancelled: [],
    tasks,
    streams,
    gets: 0,
    down: false,
    submitTask: async (spec) => {
      if (fake.down) throw new OperatorError('UNAVAILABLE', 'executor down');
      fake.submitted.push(spec);
      const tpl = spec['template'] as { name?: string } | undefined;
      if (tpl?.name === 'missing')
        throw new OperatorError('INVALID', 'executor SubmitTask: NotFound: template "missing" not found', {
          retryable: false,
        });
      const key = String(spec['idempotencyKey']);
      const known = byKey.get(key);
      if (known) return tasks.get(known) as ExecutorTask;
      const id = `t-${tasks.size + 1}`;
      const t: ExecutorTask = {
        id,
        state: 'QUEUED',
        sessionId: String(spec['sessionId'] ?? ''),
        pool: 'default',
        templateName: '',
        completed: 0,
        total: 3,
        succeededActions: 0,
        failedActions: 0,
        currentAction: '',
        outputs: {},
        artifacts: [],
        recordId: '',
      };
      tasks.set(id, t);
      byKey.set(key, id);
      return t;
    },
    getTask: async (id) => {
      fake.gets += 1;
      const t = tasks.get(id);
      if (!t) throw new OperatorError('NOT_FOUND', `task ${id} not found`);
      return t;
    },
    cancelTask: async (id) => {
      fake.cancelled.push(id);
      const t = { ...(tasks.get(id) as ExecutorTask), state: 'CANCELLED' as const };
      tasks.set(id, t);
      return t;
    },
    watchTask: (id, signal) => streams.open(id, signal),
  };
  return fake;
}

type FakeRecordStore = RecordStoreApi & {
  records: Map<string, SealedRecord>;
  asks: number;
  failure: OperatorError | undefined;
};

function fakeRecordStore(): FakeRecordStore {
  const fake: FakeRecordStore = {
    records: new Map(),
    asks: 0,
    failure: undefined,
    getTaskRecord: async (taskId) => {
      fake.asks += 1;
      if (fake.failure) throw fake.failure;
      return fake.records.get(taskId);
    },
  };
  return fake;
}

/** A sealed record of task `t-1`: two actions, the first with page measurements. */
const sealed = (): SealedRecord => ({
  id: 'rec-1',
  taskId: 't-1',
  sessionId: 's-1',
  pool: 'default',
  state: 'SUCCEEDED',
  templateName: '',
  ephemeralSession: true,
  createTime: '2026-01-01T00:00:00.500Z',
  startTime: '2026-01-01T00:00:01.000Z',
  finishTime: '2026-01-01T00:00:05.500Z',
  sealTime: '2026-01-01T00:00:06.600Z',
  durationMs: 4_500,
  actionCount: 2,
  failedActionCount: 0,
  eventCount: 12,
  timeline: [
    {
      name: 'open',
      state: 'SUCCEEDED',
      attempts: 1,
      startTime: '2026-01-01T00:00:01.000Z',
      durationMs: 1_234,
      ttfbMs: 12.345,
      fcpMs: 80.04,
      lcpMs: 120,
      requests: 3,
      failedRequests: 0,
    },
    { name: 'titles', state: 'SUCCEEDED', attempts: 1, durationMs: 40 },
  ],
  outputs: { titles: ['a', 'b'] },
  artifacts: ['news.png'],
  alertCount: 2,
  detectionCount: 5,
  anomalyCount: 0,
  labels: {},
});

async function setup(spec: Record<string, unknown>, opts: { watched?: boolean; records?: boolean } = {}) {
  const api = createFakeKube();
  const executor = fakeExecutor();
  const recordStore = opts.records ? fakeRecordStore() : undefined;
  const clock = createManualClock(Date.parse('2026-01-01T00:00:06Z'));
  const events = recordingEvents();
  const logger = createLogger({ service: 'operator-test', level: 'silent' });
  const watch = opts.watched ? createTaskFollower({ executor, clock, logger }) : undefined;
  const woken: string[] = [];
  watch?.start((key) => woken.push(key));
  const reconcile = createTaskReconciler({ api, executor, recordStore, clock, events, recordWaitMs: 10_000, watch });
  await api.create(RESOURCES.automationTask, {
    apiVersion: API_VERSION,
    kind: 'AutomationTask',
    metadata: { name: 'news', namespace: 'ns' },
    spec,
  });
  const read = (): AutomationTask | undefined =>
    api.find(RESOURCES.automationTask, { namespace: 'ns', name: 'news' }) as AutomationTask | undefined;
  return { api, executor, recordStore, clock, events, reconcile, read, watch, woken };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const inline = {
  ephemeralSession: { pool: 'default' },
  labels: { sample: 'news-titles' },
  actions: [{ navigate: { url: 'http://127.0.0.1:8088/news', waitUntil: 'load' } }],
};

describe('AutomationTask reconciler', () => {
  it('submits once with the uid as idempotency key and follows the task to a TaskRecord', async () => {
    const { api, executor, recordStore, clock, events, reconcile, read } = await setup(
      { ...inline, ttlSecondsAfterFinished: 60 },
      { records: true },
    );
    expect(await reconcile('ns/news')).toEqual({ requeueAfterMs: 2_000 });
    const uid = read()?.metadata.uid;
    expect(read()?.metadata.finalizers).toEqual([TASK_FINALIZER]);
    expect(executor.submitted).toHaveLength(1);
    expect(executor.submitted[0]).toMatchObject({ idempotencyKey: uid, ephemeralSession: { pool: 'default' } });
    expect(executor.submitted[0]).not.toHaveProperty('ttlSecondsAfterFinished');
    expect(executor.submitted[0]?.['labels']).toMatchObject({ sample: 'news-titles', 'nightglow.io/task': 'news' });
    expect(read()?.status).toMatchObject({ phase: 'Queued', taskId: 't-1', progress: '0/3' });

    executor.tasks.set('t-1', {
      ...(executor.tasks.get('t-1') as ExecutorTask),
      state: 'RUNNING',
      completed: 1,
      currentAction: 'titles',
      startTime: '2026-01-01T00:00:01.000Z',
    });
    await reconcile('ns/news');
    expect(read()?.status).toMatchObject({ phase: 'Running', progress: '1/3', currentAction: 'titles' });

    const finished: ExecutorTask = {
      ...(executor.tasks.get('t-1') as ExecutorTask),
      state: 'SUCCEEDED',
      completed: 3,
      succeededActions: 3,
      currentAction: '',
      finishTime: '2026-01-01T00:00:05.500Z',
      outputs: { titles: ['a', 'b'] },
      artifacts: ['news.png'],
    };
    executor.tasks.set('t-1', finished);
    expect(await reconcile('ns/news')).toEqual({ requeueAfterMs: 0 });
    expect(read()?.status).toMatchObject({ phase: 'Succeeded', outputs: { titles: '["a","b"]' } });
    expect(events.lines).toContain('Succeeded: task is Succeeded');
    // The record waits for the record store to seal it, asked again after as long as already waited…
    clock.advance(1_000);
    expect(await reconcile('ns/news')).toEqual({ requeueAfterMs: 1_500 });
    expect(recordStore?.asks).toBe(1);
    expect(api.all(RESOURCES.taskRecord)).toHaveLength(0);
    recordStore?.records.set('t-1', sealed());
    const res = await reconcile('ns/news');
    const records = api.all(RESOURCES.taskRecord);
    expect(records).toHaveLength(1);
    expect(records[0]?.metadata.ownerReferences).toBeUndefined();
    // …and the TaskRecord mirrors the sealed record.
    expect(records[0]?.['spec']).toEqual({
      taskName: 'news',
      taskUid: uid,
      taskId: 't-1',
      recordId: 'rec-1',
      phase: 'Succeeded',
      pool: 'default',
      sessionId: 's-1',
      createTime: '2026-01-01T00:00:00.500Z',
      startTime: '2026-01-01T00:00:01.000Z',
      finishTime: '2026-01-01T00:00:05.500Z',
      sealTime: '2026-01-01T00:00:06.600Z',
      duration: '4.5s',
      totalActions: 2,
      succeededActions: 2,
      failedActions: 0,
      actionsSummary: '2/2',
      outputs: { titles: '["a","b"]' },
      artifacts: ['news.png'],
      labels: { sample: 'news-titles' },
      timeline: [
        {
          name: 'open',
          state: 'SUCCEEDED',
          attempts: 1,
          startTime: '2026-01-01T00:00:01.000Z',
          duration: '1.2s',
          ttfbMs: 12.3,
          fcpMs: 80,
          lcpMs: 120,
          requests: 3,
          failedRequests: 0,
        },
        { name: 'titles', state: 'SUCCEEDED', attempts: 1, duration: '0s' },
      ],
      alertCount: 2,
      detectionCount: 5,
      anomalyCount: 0,
      eventCount: 12,
    });
    expect(records[0]?.['status']).toMatchObject({
      conditions: [{ type: 'Sealed', status: 'True', reason: 'RecordSealed' }],
    });
    expect(read()?.status).toMatchObject({ recordId: 'rec-1', recordName: records[0]?.metadata.name });
    expect(events.lines).toContain(`Recorded: TaskRecord ${records[0]?.metadata.name} (record rec-1)`);
    // …and the task goes ttlSecondsAfterFinished after it finished.
    expect(res.requeueAfterMs).toBe(65_500 - 7_000);
    clock.advance(res.requeueAfterMs ?? 0);
    await reconcile('ns/news');
    expect(read()?.metadata.deletionTimestamp).toBeDefined();
    await reconcile('ns/news');
    expect(read()).toBeUndefined();
    expect(executor.cancelled).toEqual([]);
    expect(api.all(RESOURCES.taskRecord)).toHaveLength(1);
    expect(executor.submitted).toHaveLength(1);
  });

  it('never submits twice when its status write was lost (restarted operator)', async () => {
    const { api, executor, reconcile, read } = await setup(inline);
    await reconcile('ns/news');
    // Simulate a crash between SubmitTask and the status write.
    await api.patch(
      RESOURCES.automationTask,
      { namespace: 'ns', name: 'news' },
      { status: { taskId: null, phase: null } },
      { subresource: 'status' },
    );
    await reconcile('ns/news');
    expect(executor.submitted).toHaveLength(2);
    expect(executor.tasks.size).toBe(1);
    expect(read()?.status?.taskId).toBe('t-1');
  });

  it('cancels a running task when it is deleted', async () => {
    const { api, executor, reconcile, read } = await setup(inline);
    await reconcile('ns/news');
    await api.delete(RESOURCES.automationTask, { namespace: 'ns', name: 'news' });
    await reconcile('ns/news');
    expect(executor.cancelled).toEqual(['t-1']);
    expect(read()).toBeUndefined();
  });

  it('fails with a reason when the executor refuses the spec, without retrying', async () => {
    const { executor, reconcile, read } = await setup({
      ephemeralSession: { pool: 'default' },
      template: { name: 'missing' },
    });
    expect(await reconcile('ns/news')).toEqual({});
    expect(read()?.status).toMatchObject({ phase: 'Failed' });
    expect(read()?.status?.message).toContain('template "missing" not found');
    expect(read()?.status?.conditions?.[0]).toMatchObject({
      type: 'Complete',
      status: 'False',
      reason: 'SubmitRejected',
    });
    await reconcile('ns/news');
    expect(executor.submitted).toHaveLength(1);
  });

  it('waits for its BrowserSession to be Ready and fails when it does not exist', async () => {
    const { api, executor, reconcile, read } = await setup({ session: 'web', actions: inline.actions });
    expect(await reconcile('ns/news')).toEqual({});
    expect(read()?.status?.conditions?.[0]?.reason).toBe('SessionNotFound');

    const second = await setup({ session: 'web', actions: inline.actions });
    await second.api.create(RESOURCES.browserSession, {
      apiVersion: API_VERSION,
      kind: 'BrowserSession',
      metadata: { name: 'web', namespace: 'ns' },
      spec: { pool: 'default' },
      status: { phase: 'Starting' },
    });
    expect(await second.reconcile('ns/news')).toEqual({ requeueAfterMs: 2_000 });
    expect(second.read()?.status?.phase).toBe('Pending');
    await second.api.patch(
      RESOURCES.browserSession,
      { namespace: 'ns', name: 'web' },
      { status: { phase: 'Ready', sessionId: 's-9' } },
      { subresource: 'status' },
    );
    await second.reconcile('ns/news');
    expect(second.executor.submitted[0]).toMatchObject({ sessionId: 's-9' });
    expect(second.executor.submitted[0]).not.toHaveProperty('session');
    expect(executor.submitted).toHaveLength(0);
    void api;
  });

  it('follows WatchTask without polling, and polls GetTask only while the stream is broken', async () => {
    const { executor, clock, reconcile, read, watch, woken } = await setup(inline, { watched: true });
    // Submitting opens the stream; until it is live the answer is a poll.
    expect(await reconcile('ns/news')).toEqual({ requeueAfterMs: 2_000 });
    await flush();
    expect(executor.streams.active('t-1')).toBe(1);
    const base = executor.tasks.get('t-1') as ExecutorTask;
    executor.streams.push('t-1', { kind: 'value', value: base });
    await flush();
    expect(woken).toEqual(['ns/news']);
    const gets = executor.gets;
    // Live: status comes from the stream, no GetTask, no timer.
    expect(await reconcile('ns/news')).toEqual({});
    executor.streams.push('t-1', {
      kind: 'value',
      value: { ...base, state: 'RUNNING', completed: 1, currentAction: 'titles' },
    });
    await flush();
    expect(await reconcile('ns/news')).toEqual({});
    expect(read()?.status).toMatchObject({ phase: 'Running', progress: '1/3', currentAction: 'titles' });
    expect(executor.gets).toBe(gets);

    // The stream breaks: the key wakes and the reconciler falls back to GetTask every pollMs.
    executor.streams.fail('t-1', new OperatorError('UNAVAILABLE', 'executor WatchTask: Unavailable: draining'));
    await flush();
    expect(woken.at(-1)).toBe('ns/news');
    executor.tasks.set('t-1', { ...base, state: 'RUNNING', completed: 2, currentAction: 'check' });
    expect(await reconcile('ns/news')).toEqual({ requeueAfterMs: 2_000 });
    expect(executor.gets).toBe(gets + 1);
    expect(read()?.status).toMatchObject({ progress: '2/3', currentAction: 'check' });
    expect(await reconcile('ns/news')).toEqual({ requeueAfterMs: 2_000 });
    expect(executor.gets).toBe(gets + 2);

    // Reopened after the backoff; its snapshot makes it live again and polling stops.
    clock.advance(500);
    await flush();
    expect(executor.streams.opens('t-1')).toBe(2);
    executor.streams.push('t-1', { kind: 'value', value: executor.tasks.get('t-1') as ExecutorTask });
    await flush();
    expect(await reconcile('ns/news')).toEqual({});
    expect(executor.gets).toBe(gets + 2);

    // The final event ends the stream; the task finishes and is no longer followed.
    const done = { ...base, state: 'SUCCEEDED' as const, completed: 3, succeededActions: 3, recordId: 'rec-1' };
    executor.tasks.set('t-1', done);
    executor.streams.push('t-1', { kind: 'value', value: done });
    executor.streams.end('t-1');
    await flush();
    expect(await reconcile('ns/news')).toEqual({ requeueAfterMs: 0 });
    expect(read()?.status?.phase).toBe('Succeeded');
    await reconcile('ns/news');
    expect(read()?.status?.recordName).toBeDefined();
    expect(watch?.size()).toBe(0);
    await watch?.stop();
  });

  it('asks an unreachable record store with a bounded backoff, then writes the TaskRecord saying why it has no id', async () => {
    const { api, executor, recordStore, clock, events, reconcile, read } = await setup(inline, { records: true });
    await reconcile('ns/news');
    const finishTime = new Date(clock.now()).toISOString();
    executor.tasks.set('t-1', {
      ...(executor.tasks.get('t-1') as ExecutorTask),
      state: 'SUCCEEDED',
      completed: 3,
      succeededActions: 3,
      startTime: '2026-01-01T00:00:01.000Z',
      finishTime,
    });
    if (recordStore) {
      recordStore.failure = new OperatorError(
        'UNAVAILABLE',
        'record store GetTaskRecord: Unavailable: connect ECONNREFUSED',
      );
    }
    expect(await reconcile('ns/news')).toEqual({ requeueAfterMs: 0 });
    const delays: number[] = [];
    for (;;) {
      const res = await reconcile('ns/news');
      if (api.all(RESOURCES.taskRecord).length > 0) break;
      delays.push(res.requeueAfterMs ?? -1);
      clock.advance(res.requeueAfterMs ?? 0);
    }
    // Doubling from 250 ms, capped at 5 s, ending exactly at the 10 s wait.
    expect(delays).toEqual([250, 250, 500, 1_000, 2_000, 4_000, 2_000]);
    expect(recordStore?.asks).toBe(delays.length + 1);
    const [record] = api.all(RESOURCES.taskRecord);
    expect(record?.['spec']).toMatchObject({ taskId: 't-1', phase: 'Succeeded', actionsSummary: '3/3' });
    expect(record?.['spec']).not.toHaveProperty('timeline');
    expect((record?.['spec'] as { recordId?: string }).recordId ?? '').toBe('');
    expect(record?.['status']).toMatchObject({
      conditions: [
        {
          type: 'Sealed',
          status: 'False',
          reason: 'RecordStoreUnavailable',
          message: 'record store GetTaskRecord: Unavailable: connect ECONNREFUSED',
        },
      ],
    });
    expect(read()?.status?.recordName).toBe(record?.metadata.name);
    expect(events.lines.at(-1)).toBe(
      `RecordMissing: TaskRecord ${record?.metadata.name} without record id: RecordStoreUnavailable`,
    );
    // Written once: later reconciles neither ask again nor write again.
    const asks = recordStore?.asks;
    await reconcile('ns/news');
    expect(recordStore?.asks).toBe(asks);
  });

  it('names a refused API key, and a record never sealed, on the TaskRecord', async () => {
    for (const [failure, reason] of [
      [
        new OperatorError('FORBIDDEN', 'record store GetTaskRecord: Unauthenticated: no API key'),
        'RecordStoreUnauthorized',
      ],
      [undefined, 'RecordNotSealed'],
    ] as const) {
      const { api, executor, recordStore, clock, reconcile } = await setup(inline, { records: true });
      await reconcile('ns/news');
      executor.tasks.set('t-1', {
        ...(executor.tasks.get('t-1') as ExecutorTask),
        state: 'FAILED',
        finishTime: new Date(clock.now()).toISOString(),
      });
      if (recordStore) recordStore.failure = failure;
      await reconcile('ns/news');
      clock.advance(10_000);
      await reconcile('ns/news');
      const [record] = api.all(RESOURCES.taskRecord);
      expect(record?.['spec']).toMatchObject({ phase: 'Failed' });
      expect((record?.['status'] as { conditions: { reason: string }[] }).conditions[0]?.reason).toBe(reason);
    }
  });

  it('retries when the executor is unreachable', async () => {
    const { executor, reconcile } = await setup(inline);
    executor.down = true;
    await expect(reconcile('ns/news')).rejects.toSatisfy((e) => hasCode(e, 'UNAVAILABLE'));
  });

  it('wakes, on a BrowserSession change, only the unsubmitted tasks of its namespace that name it', () => {
    const at = (name: string, namespace: string, session: string | undefined, taskId?: string): AutomationTask => ({
      metadata: { name, namespace },
      spec: session ? { session } : { ephemeralSession: {} },
      ...(taskId ? { status: { taskId } } : {}),
    });
    const web = { metadata: { name: 'web', namespace: 'ns' } };
    const tasks = [
      at('a', 'ns', 'web'),
      at('b', 'ns', 'web', 't-1'),
      at('c', 'other', 'web'),
      at('d', 'ns', 'mobile'),
      at('e', 'ns', undefined),
    ];
    expect(tasksWaitingFor(web, tasks)).toEqual(['ns/a']);
  });
});

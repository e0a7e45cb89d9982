import { describe, expect, it } from 'vitest';
import type { JsonObject } from '@bufbuild/protobuf';
import { createManualClock } from '@nightglow/runtime';
import type { ExecutorApi, ExecutorTask } from '../clients/executor-api.js';
import { hasCode, OperatorError } from '../errors.js';
import { API_VERSION, RESOURCES } from '../kube/resources.js';
import { createFakeKube } from '../testing/fake-kube.js';
import { recordingEvents } from '../testing/fakes.js';
import { createTaskReconciler, TASK_FINALIZER } from './task-reconciler.js';
import type { AutomationTask } from './task-types.js';

type FakeExecutor = ExecutorApi & {
  submitted: JsonObject[];
  cancelled: string[];
  tasks: Map<string, ExecutorTask>;
  down: boolean;
};

function fakeExecutor(): FakeExecutor {
  const tasks = new Map<string, ExecutorTask>();
  const byKey = new Map<string, string>();
  const fake: FakeExecutor = {
    submitted: [],
    cancelled: [],
    tasks,
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
  };
  return fake;
}

async function setup(spec: Record<string, unknown>) {
  const api = createFakeKube();
  const executor = fakeExecutor();
  const clock = createManualClock(Date.parse('2026-01-01T00:00:06Z'));
  const events = recordingEvents();
  const reconcile = createTaskReconciler({ api, executor, clock, events, recordWaitMs: 10_000 });
  await api.create(RESOURCES.automationTask, {
    apiVersion: API_VERSION,
    kind: 'AutomationTask',
    metadata: { name: 'news', namespace: 'ns' },
    spec,
  });
  const read = (): AutomationTask | undefined =>
    api.find(RESOURCES.automationTask, { namespace: 'ns', name: 'news' }) as AutomationTask | undefined;
  return { api, executor, clock, events, reconcile, read };
}

const inline = {
  ephemeralSession: { pool: 'default' },
  labels: { sample: 'news-titles' },
  actions: [{ navigate: { url: 'http://127.0.0.1:8088/news', waitUntil: 'load' } }],
};

describe('AutomationTask reconciler', () => {
  it('submits once with the uid as idempotency key and follows the task to a TaskRecord', async () => {
    const { api, executor, clock, events, reconcile, read } = await setup({ ...inline, ttlSecondsAfterFinished: 60 });
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
    // The record waits for the record store's id…
    clock.advance(1_000);
    expect(await reconcile('ns/news')).toEqual({ requeueAfterMs: 2_000 });
    expect(api.all(RESOURCES.taskRecord)).toHaveLength(0);
    executor.tasks.set('t-1', { ...finished, recordId: 'rec-1' });
    const res = await reconcile('ns/news');
    const records = api.all(RESOURCES.taskRecord);
    expect(records).toHaveLength(1);
    expect(records[0]?.metadata.ownerReferences).toBeUndefined();
    expect(records[0]?.['spec']).toMatchObject({
      taskName: 'news',
      taskUid: uid,
      taskId: 't-1',
      recordId: 'rec-1',
      phase: 'Succeeded',
      duration: '4.5s',
      actionsSummary: '3/3',
      artifacts: ['news.png'],
    });
    expect(read()?.status?.recordName).toBe(records[0]?.metadata.name);
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

  it('retries when the executor is unreachable', async () => {
    const { executor, reconcile } = await setup(inline);
    executor.down = true;
    await expect(reconcile('ns/news')).rejects.toSatisfy((e) => hasCode(e, 'UNAVAILABLE'));
  });
});

/**
 * AutomationTasks end to end: the real kube-apiserver, the real session
 * broker (local Chromium), the real task executor taking its sessions from
 * that broker, and the real record store consuming both services' events
 * through the test environment's Kafka (a topic prefix and consumer group of
 * this file's own; PGlite; auth on), all as processes from their compiled
 * mains. The controller runs as the chart's operator ServiceAccount with
 * polling set to ten minutes, so progress seen here came through the
 * executor's WatchTask stream; TaskRecords mirror the record store's sealed
 * records. Last, the compiled operator itself is SIGKILLed mid-task, once to
 * be restarted and once as the leader of two: the task still runs once.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionState } from '@nightglow/contracts/broker/v1';
import { TaskState } from '@nightglow/contracts/executor/v1';
import { createLogger, createTracing, systemClock } from '@nightglow/runtime';
import { startServiceProcess, type ServiceProcess } from '@nightglow/runtime/testing';
import { createBrokerApi } from '../clients/broker-api.js';
import { createExecutorApi } from '../clients/executor-api.js';
import { createRecordStoreApi } from '../clients/record-store-api.js';
import { hasCode } from '../errors.js';
import { freePort, useTestEnv } from '@nightglow/testenv';
import { createEventRecorder } from '../controller/events.js';
import type { KubeObject } from '../kube/kube-api.js';
import { API_VERSION, RESOURCES } from '../kube/resources.js';
import { createManager, type Manager } from '../manager/manager.js';
import { connectTestKube, createTestNamespace, eventually, installTestCrds } from '../testing/kube-env.js';
import { createOperatorIdentity, type OperatorIdentity } from '../testing/operator-identity.js';
import { kafkaBusEnv, startTestRecordStore, uniqueTopicPrefix, type TestRecordStore } from '../testing/record-store.js';
import {
  startTestBroker,
  startTestExecutor,
  startTestSite,
  type TestBroker,
  type TestExecutor,
  type TestSite,
} from '../testing/services.js';
import { createSessionFollower, sessionControllerSpec } from '../session/session-controller.js';
import type { BrowserSession } from '../session/session-types.js';
import { createTaskFollower, taskControllerSpec } from './task-controller.js';
import type { AutomationTask } from './task-types.js';

const operatorMain = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const admin = connectTestKube();
const { api } = admin;
const logger = createLogger({ service: 'operator-test', level: 'silent' });
const TEN_MINUTES = 600_000;
let broker: TestBroker;
let executor: TestExecutor;
let site: TestSite;
let records: TestRecordStore;

type Seen = { name: string; phase?: string | undefined; progress?: string | undefined; action?: string | undefined };

/** Every status the apiserver shows for the AutomationTasks of `namespace`, in order, until stopped. */
function statusHistory(namespace: string): { seen: Seen[]; stop(): void } {
  const seen: Seen[] = [];
  const abort = new AbortController();
  void (async () => {
    const list = await api.list(RESOURCES.automationTask, { namespace });
    for await (const e of api.watch(RESOURCES.automationTask, {
      namespace,
      resourceVersion: list.resourceVersion,
      signal: abort.signal,
    })) {
      const t = e.object as AutomationTask;
      const s = t.status;
      seen.push({ name: t.metadata.name ?? '', phase: s?.phase, progress: s?.progress, action: s?.currentAction });
    }
  })().catch(() => undefined);
  return { seen, stop: () => abort.abort() };
}

const task = (namespace: string, name: string, actions: unknown[]): KubeObject => ({
  apiVersion: API_VERSION,
  kind: 'AutomationTask',
  metadata: { name, namespace },
  spec: { ephemeralSession: { pool: 'default' }, timeout: '90s', actions },
});
const read = async (namespace: string, name: string): Promise<AutomationTask | undefined> =>
  (await api.get(RESOURCES.automationTask, { namespace, name })) as AutomationTask | undefined;
const recorded = (namespace: string, name: string) => async (): Promise<AutomationTask | undefined> => {
  const t = await read(namespace, name);
  return t?.status?.recordName ? t : undefined;
};
const running = (namespace: string, name: string, action: string) => async () => {
  const t = await read(namespace, name);
  return t?.status?.phase === 'Running' && t.status.currentAction === action ? t : undefined;
};

beforeAll(async () => {
  const { kafka } = useTestEnv();
  const prefix = uniqueTopicPrefix('optask');
  const bus = kafkaBusEnv(kafka.brokers, prefix);
  [records, broker, site] = await Promise.all([
    startTestRecordStore({ brokers: kafka.brokers, topicPrefix: prefix }),
    startTestBroker(bus),
    startTestSite(),
  ]);
  executor = await startTestExecutor(broker.url, bus);
  await installTestCrds(api);
}, 180_000);
afterAll(async () => {
  await executor?.stop();
  await site?.close();
  expect(await broker?.stop()).toBe(0);
  expect(await records?.stop()).toBe(0);
});

type TaskRecordObject = KubeObject & {
  spec: Record<string, unknown> & { recordId?: string; timeline?: Record<string, unknown>[] };
  status?: { conditions?: { type: string; status: string; reason: string; message: string }[] };
};
const readRecord = async (namespace: string, name: string): Promise<TaskRecordObject | undefined> =>
  (await api.get(RESOURCES.taskRecord, { namespace, name })) as TaskRecordObject | undefined;
/** The record store's sealed record of executor task `taskId`. */
const sealedRecord = async (taskId: string) =>
  (await records.client.getTaskRecord({ key: { case: 'taskId', value: taskId } })).taskRecord;

describe('AutomationTask through the real executor and broker sessions', () => {
  let ns = '';
  let op: OperatorIdentity;
  let manager: Manager;
  beforeAll(async () => {
    ns = await createTestNamespace(api, 'tasks');
    op = await createOperatorIdentity(admin, ns);
    const tracing = createTracing({ serviceName: 'operator-test' });
    const executorApi = createExecutorApi({ baseUrl: executor.url, tracing });
    const brokerApi = createBrokerApi({ baseUrl: broker.url, tracing });
    const events = createEventRecorder({ api: op.api, clock: systemClock, logger });
    manager = createManager({
      api: op.api,
      clock: systemClock,
      logger,
      namespace: ns,
      specs: [
        sessionControllerSpec({
          api: op.api,
          broker: brokerApi,
          clock: systemClock,
          events,
          watch: createSessionFollower({ broker: brokerApi, clock: systemClock, logger }),
          pollMs: TEN_MINUTES,
          readyPollMs: TEN_MINUTES,
        }),
        taskControllerSpec({
          api: op.api,
          executor: executorApi,
          clock: systemClock,
          events,
          watch: createTaskFollower({ executor: executorApi, clock: systemClock, logger }),
          recordStore: createRecordStoreApi({ baseUrl: records.url, tracing, apiKey: records.apiKey }),
          pollMs: TEN_MINUTES,
          recordWaitMs: 60_000,
        }),
      ],
    });
    manager.start();
  });
  afterAll(async () => {
    await manager?.stop();
    await op?.cleanup();
  });

  it('runs to Succeeded in a broker session, with progress along the way, and writes a TaskRecord', async () => {
    const history = statusHistory(ns);
    await api.create(
      RESOURCES.automationTask,
      task(ns, 'news', [
        { name: 'open', navigate: { url: `${site.url}/news`, waitUntil: 'load' } },
        { name: 'pause', waitFor: { duration: '1s' } },
        { name: 'titles', extract: { selector: '.title', all: true, output: 'titles' } },
        { name: 'settle', waitFor: { duration: '1s' } },
        { name: 'check', assert: { titleContains: 'News' } },
      ]),
    );
    const done = await eventually(recorded(ns, 'news'), 'the task to finish and be recorded', 90_000);
    history.stop();
    expect(done.status).toMatchObject({ phase: 'Succeeded', progress: '5/5', outputs: { titles: '["one","two"]' } });
    expect(done.status?.conditions?.find((c) => c.type === 'Complete')).toMatchObject({ status: 'True' });
    // Progress moved through the stream: intermediate figures and running actions were shown.
    const mine = history.seen.filter((s) => s.name === 'news');
    const between = new Set(mine.map((s) => s.progress).filter((p) => p && p !== '0/5' && p !== '5/5'));
    expect(between.size, JSON.stringify(mine)).toBeGreaterThanOrEqual(2);
    expect(mine.some((s) => s.phase === 'Running' && s.action === 'pause')).toBe(true);

    const t = (await executor.client.getTask({ taskId: done.status?.taskId ?? '' })).task;
    expect(t?.state).toBe(TaskState.SUCCEEDED);
    // A real broker session, made for this task and closed after it.
    const s = (await broker.client.getSession({ sessionId: t?.sessionId ?? '' })).session;
    expect(s?.labels['nightglow.io/task-id']).toBe(t?.id);
    expect([SessionState.CLOSING, SessionState.CLOSED]).toContain(s?.state);

    // The TaskRecord mirrors the record the record store sealed from the Kafka events.
    const sealed = await sealedRecord(t?.id ?? '');
    expect(sealed?.id).toMatch(/^[0-9a-f-]{36}$/);
    const record = await readRecord(ns, done.status?.recordName ?? '');
    expect(record?.spec).toMatchObject({
      taskName: 'news',
      taskUid: done.metadata.uid,
      recordId: sealed?.id,
      phase: 'Succeeded',
      taskId: t?.id,
      sessionId: t?.sessionId,
      pool: 'default',
      totalActions: 5,
      actionsSummary: '5/5',
      outputs: { titles: '["one","two"]' },
      eventCount: Number(sealed?.eventCount),
      alertCount: 0,
      detectionCount: 0,
    });
    expect(record?.spec.sealTime).toBeDefined();
    expect(record?.spec.timeline?.map((a) => [a['name'], a['state'], a['attempts']])).toEqual(
      ['open', 'pause', 'titles', 'settle', 'check'].map((name) => [name, 'SUCCEEDED', 1]),
    );
    const pause = record?.spec.timeline?.[1]?.['duration'];
    expect(Number.parseFloat(String(pause))).toBeGreaterThanOrEqual(1);
    expect(record?.status?.conditions).toEqual([
      expect.objectContaining({ type: 'Sealed', status: 'True', reason: 'RecordSealed' }),
    ]);
    expect(done.status?.recordId).toBe(sealed?.id);
  });

  it('is refused by the record store without its API key', async () => {
    const tracing = createTracing({ serviceName: 'operator-test' });
    for (const apiKey of [undefined, 'ngk_not-a-key-of-this-store']) {
      const store = createRecordStoreApi({ baseUrl: records.url, tracing, apiKey });
      await expect(store.getTaskRecord('no-such-task')).rejects.toSatisfy((e) => hasCode(e, 'FORBIDDEN'));
    }
    const store = createRecordStoreApi({ baseUrl: records.url, tracing, apiKey: records.apiKey });
    expect(await store.getTaskRecord('no-such-task')).toBeUndefined();
  });

  it('waits for its BrowserSession to be Ready, runs in that broker session, and leaves it open', async () => {
    const history = statusHistory(ns);
    await api.create(RESOURCES.browserSession, {
      apiVersion: API_VERSION,
      kind: 'BrowserSession',
      metadata: { name: 'web', namespace: ns },
      spec: { pool: 'default', startUrl: `${site.url}/news` },
    });
    await api.create(RESOURCES.automationTask, {
      apiVersion: API_VERSION,
      kind: 'AutomationTask',
      metadata: { name: 'in-session', namespace: ns },
      spec: {
        session: 'web',
        actions: [
          { name: 'titles', extract: { selector: '.title', all: true, output: 'titles' } },
          { name: 'away', navigate: { url: `${site.url}/other` } },
          { name: 'check', assert: { titleContains: 'Other' } },
        ],
      },
    });
    // Polling is ten minutes: only the BrowserSession's own change can wake the waiting task.
    const done = await eventually(recorded(ns, 'in-session'), 'the task to finish and be recorded', 90_000);
    history.stop();
    expect(done.status).toMatchObject({ phase: 'Succeeded', progress: '3/3', outputs: { titles: '["one","two"]' } });
    expect(history.seen.filter((s) => s.name === 'in-session').map((s) => s.phase)).toContain('Pending');
    const bs = (await api.get(RESOURCES.browserSession, { namespace: ns, name: 'web' })) as BrowserSession;
    expect(bs.status?.phase).toBe('Ready');
    expect(done.status?.sessionId).toBe(bs.status?.sessionId);
    const t = (await executor.client.getTask({ taskId: done.status?.taskId ?? '' })).task;
    expect(t?.sessionId).toBe(bs.status?.sessionId);
    const s = (await broker.client.getSession({ sessionId: bs.status?.sessionId ?? '' })).session;
    expect(s?.state).toBe(SessionState.READY);
    await api.delete(RESOURCES.browserSession, { namespace: ns, name: 'web' });
    await eventually(
      async () => ((await api.get(RESOURCES.browserSession, { namespace: ns, name: 'web' })) ? undefined : true),
      'the BrowserSession to go',
    );
  });

  it('cancels a running task when its AutomationTask is deleted', async () => {
    await api.create(
      RESOURCES.automationTask,
      task(ns, 'slow', [
        { name: 'open', navigate: { url: `${site.url}/news` } },
        { name: 'wait', waitFor: { duration: '30s' }, timeout: '40s' },
      ]),
    );
    const run = await eventually(running(ns, 'slow', 'wait'), 'the task to run its wait', 60_000);
    await api.delete(RESOURCES.automationTask, { namespace: ns, name: 'slow' });
    await eventually(async () => ((await read(ns, 'slow')) ? undefined : true), 'the task object to go');
    const t = (await executor.client.getTask({ taskId: run.status?.taskId ?? '' })).task;
    expect(t?.state).toBe(TaskState.CANCELLED);
    const s = (await broker.client.getSession({ sessionId: t?.sessionId ?? '' })).session;
    expect([SessionState.CLOSING, SessionState.CLOSED]).toContain(s?.state);
  });
  it('ends Failed with a condition saying why, for a pool or a template that does not exist', async () => {
    await api.create(RESOURCES.automationTask, {
      ...task(ns, 'no-pool', [{ name: 'open', navigate: { url: `${site.url}/news` } }]),
      spec: {
        ephemeralSession: { pool: 'no-such-pool' },
        timeout: '30s',
        actions: [{ name: 'open', navigate: { url: `${site.url}/news` } }],
      },
    });
    await api.create(RESOURCES.automationTask, {
      ...task(ns, 'no-template', []),
      spec: { ephemeralSession: { pool: 'default' }, timeout: '30s', template: { name: 'no-such-template' } },
    });
    for (const [name, says] of [
      ['no-pool', /no-such-pool/],
      ['no-template', /no-such-template/],
    ] as const) {
      const failed = await eventually(
        async () => {
          const t = await read(ns, name);
          return t?.status?.phase === 'Failed' ? t : undefined;
        },
        `${name} to end Failed`,
        60_000,
      );
      expect(failed.status?.message, name).toMatch(says);
      const condition = failed.status?.conditions?.find((c) => c.type === 'Complete');
      expect(condition?.status, `${name}: Complete condition`).toBe('False');
      expect(`${condition?.reason}: ${condition?.message}`, name).toMatch(says);
    }
  }, 90_000);
});

describe('a finished task whose record store cannot be reached', () => {
  let ns = '';
  let op: OperatorIdentity;
  let manager: Manager;
  beforeAll(async () => {
    ns = await createTestNamespace(api, 'norecords');
    op = await createOperatorIdentity(admin, ns);
    const tracing = createTracing({ serviceName: 'operator-test' });
    const executorApi = createExecutorApi({ baseUrl: executor.url, tracing });
    // A free loopback port nobody listens on.
    const unreachable = `http://127.0.0.1:${await freePort()}`;
    manager = createManager({
      api: op.api,
      clock: systemClock,
      logger,
      namespace: ns,
      specs: [
        taskControllerSpec({
          api: op.api,
          executor: executorApi,
          clock: systemClock,
          events: createEventRecorder({ api: op.api, clock: systemClock, logger }),
          watch: createTaskFollower({ executor: executorApi, clock: systemClock, logger }),
          recordStore: createRecordStoreApi({ baseUrl: unreachable, tracing, apiKey: records.apiKey }),
          pollMs: TEN_MINUTES,
          recordWaitMs: 1_500,
        }),
      ],
    });
    manager.start();
  });
  afterAll(async () => {
    await manager?.stop();
    await op?.cleanup();
  });

  it('gets a TaskRecord without a record id whose Sealed condition says the store is unavailable', async () => {
    await api.create(
      RESOURCES.automationTask,
      task(ns, 'lonely', [{ name: 'open', navigate: { url: `${site.url}/news` } }]),
    );
    const done = await eventually(recorded(ns, 'lonely'), 'the task to finish and be recorded', 90_000);
    expect(done.status?.phase).toBe('Succeeded');
    expect(done.status?.recordId).toBeUndefined();
    const record = await readRecord(ns, done.status?.recordName ?? '');
    expect(record?.spec).toMatchObject({ taskName: 'lonely', phase: 'Succeeded', actionsSummary: '1/1' });
    expect(record?.spec.recordId ?? '').toBe('');
    expect(record?.spec.timeline).toBeUndefined();
    expect(record?.status?.conditions).toEqual([
      expect.objectContaining({ type: 'Sealed', status: 'False', reason: 'RecordStoreUnavailable' }),
    ]);
    const events = (await api.list(RESOURCES.event, { namespace: ns })).items as (KubeObject & { reason?: string })[];
    expect(events.map((e) => e.reason)).toContain('RecordMissing');
  });
});

/** Runs operator processes (compiled main, the ServiceAccount's kubeconfig) in a namespace of their own. */
function operatorProcesses(prefix: string) {
  const ctx = { ns: '', op: undefined as OperatorIdentity | undefined, logs: [] as string[] };
  const procs: ServiceProcess[] = [];
  const start = async (podName: string, extra: readonly string[] = []): Promise<ServiceProcess> => {
    const p = await startServiceProcess(
      operatorMain,
      {
        KUBECONFIG: ctx.op?.kubeconfigPath ?? '',
        POD_NAME: podName,
        BROKER_URL: broker.url,
        EXECUTOR_URL: executor.url,
        RECORD_STORE_URL: records.url,
        RECORD_STORE_API_KEY: records.apiKey,
      },
      {
        args: [
          '--metrics-bind-address=127.0.0.1:0',
          '--health-probe-bind-address=127.0.0.1:0',
          `--namespace=${ctx.ns}`,
          '--task-record-wait=60s',
          ...extra,
        ],
        timeoutMs: 60_000,
      },
    );
    procs.push(p);
    p.child.stdout?.on('data', (d: Buffer) => ctx.logs.push(d.toString()));
    return p;
  };
  beforeAll(async () => {
    ctx.ns = await createTestNamespace(api, prefix);
    ctx.op = await createOperatorIdentity(admin, ctx.ns);
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop(5_000)));
    await ctx.op?.cleanup();
  });
  return { ctx, start };
}

/** Creates task `once` (its second action waits 6 s) and resolves when it runs that wait. */
async function startSlowTask(ns: string): Promise<AutomationTask> {
  await api.create(
    RESOURCES.automationTask,
    task(ns, 'once', [
      { name: 'open', navigate: { url: `${site.url}/news` } },
      { name: 'pause', waitFor: { duration: '6s' } },
      { name: 'titles', extract: { selector: '.title', all: true, output: 'titles' } },
    ]),
  );
  return eventually(running(ns, 'once', 'pause'), 'the task to run its pause', 60_000);
}

/**
 * Task `once` finished exactly once: one executor task (`taskId`), one
 * transition into Succeeded, one Succeeded and one Submitted Event, one
 * TaskRecord, and no call refused to the ServiceAccount in the operators' logs.
 */
async function expectCompletedOnce(ns: string, taskId: string, seen: Seen[], logs: string[]): Promise<void> {
  const done = await eventually(recorded(ns, 'once'), 'the task to finish and be recorded', 90_000);
  expect(done.status).toMatchObject({ phase: 'Succeeded', taskId, progress: '3/3' });
  const uid = done.metadata.uid ?? '';
  const tasks = (
    await executor.client.listTasks({ labelSelector: `nightglow.io/namespace=${ns},nightglow.io/task=once` })
  ).tasks;
  expect(tasks.map((t) => t.id)).toEqual([taskId]);
  const records = await api.list(RESOURCES.taskRecord, {
    namespace: ns,
    labelSelector: `nightglow.io/task-uid=${uid}`,
  });
  expect(records.items).toHaveLength(1);
  expect((records.items[0]?.['spec'] as { recordId?: string }).recordId).toBe((await sealedRecord(taskId))?.id);
  const phases = seen.filter((s) => s.name === 'once').map((s) => s.phase);
  const entered = phases.filter((p, i) => p === 'Succeeded' && phases[i - 1] !== 'Succeeded');
  expect(entered, JSON.stringify(phases)).toHaveLength(1);
  const events = (await api.list(RESOURCES.event, { namespace: ns })).items as (KubeObject & {
    reason?: string;
    count?: number;
    involvedObject?: { uid?: string };
  })[];
  const count = (reason: string): number =>
    events.filter((e) => e.involvedObject?.uid === uid && e.reason === reason).reduce((n, e) => n + (e.count ?? 1), 0);
  expect(count('Succeeded')).toBe(1);
  expect(count('Submitted')).toBe(1);
  const refused = logs
    .join('')
    .split('\n')
    .filter((l) => /forbidden/i.test(l));
  expect(refused, 'API calls the ServiceAccount token was refused').toEqual([]);
}

describe('the operator process SIGKILLed mid-task and restarted', () => {
  const { ctx, start } = operatorProcesses('restart');

  it('completes the task exactly once', async () => {
    const history = statusHistory(ctx.ns);
    const first = await start('op-1');
    const mid = await startSlowTask(ctx.ns);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    const taskId = mid.status?.taskId ?? '';
    expect((await executor.client.getTask({ taskId })).task?.state).toBe(TaskState.RUNNING);
    await start('op-2');
    await expectCompletedOnce(ctx.ns, taskId, history.seen, ctx.logs);
    history.stop();
  });
});

describe('two operator processes with --leader-elect, the leader SIGKILLed mid-task', () => {
  const { ctx, start } = operatorProcesses('handover');
  const election = [
    '--leader-elect',
    '--leader-elect-lease-duration=3s',
    '--leader-elect-renew-deadline=2s',
    '--leader-elect-retry-period=250ms',
  ];
  const holder = async (): Promise<string> => {
    const lease = (await api.get(RESOURCES.lease, { namespace: ctx.ns, name: 'nightglow-operator' })) as
      (KubeObject & { spec?: { holderIdentity?: string } }) | undefined;
    return lease?.spec?.holderIdentity ?? '';
  };

  it('the standby takes over and the task neither stops nor runs twice', async () => {
    const history = statusHistory(ctx.ns);
    const leader = await start('op-a', election);
    await eventually(async () => ((await holder()).startsWith('op-a_') ? true : undefined), 'op-a to lead');
    await start('op-b', election);
    const mid = await startSlowTask(ctx.ns);
    leader.child.kill('SIGKILL');
    await leader.exited;
    const taskId = mid.status?.taskId ?? '';
    await eventually(async () => ((await holder()).startsWith('op-b_') ? true : undefined), 'op-b to lead', 15_000);
    await expectCompletedOnce(ctx.ns, taskId, history.seen, ctx.logs);
    history.stop();
  });
});

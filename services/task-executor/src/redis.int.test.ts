import { fileURLToPath } from 'node:url';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { createClient, type Client } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ActionEventType,
  TaskEventType,
  TaskExecutor,
  TaskFailureReason,
  TaskSpecSchema,
  TaskState,
  TemplateSchema,
  type WatchTaskResponse,
} from '@nightglow/contracts/executor/v1';
import { scrapeMetric, startServiceProcess, type ServiceProcess } from '@nightglow/runtime/testing';
import { launchChromium, useTestEnv, type ChromiumBrowser } from '@nightglow/testenv';
import { timestampMs } from './spec/durations.js';
import { watchUntil } from './testing/watch-until.js';
import { startFixtureSite, type FixtureSite } from './fixture-site/fixture-site.js';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
let chromium: ChromiumBrowser;
let site: FixtureSite;
let procs: ServiceProcess[] = [];
let a: Client<typeof TaskExecutor>;
let b: Client<typeof TaskExecutor>;

const spec = (json: JsonValue) => fromJson(TaskSpecSchema, json);
const client = (p: ServiceProcess) =>
  createClient(TaskExecutor, createGrpcTransport({ baseUrl: `http://127.0.0.1:${p.grpcPort}` }));

beforeAll(async () => {
  chromium = await launchChromium();
  site = await startFixtureSite();
  const env = {
    STATE_STORE: 'redis',
    REDIS_URL: `${useTestEnv().redis.url}/2`, // own database: executors of other files share the key prefix
    SESSION_SOURCE: 'cdp',
    CDP_ENDPOINT: chromium.wsEndpoint,
    TASK_CONCURRENCY: '2',
  };
  const start = () => startServiceProcess(main, env, { timeoutMs: 60_000 });
  procs = await Promise.all([start(), start()]);
  [a, b] = procs.map(client) as [Client<typeof TaskExecutor>, Client<typeof TaskExecutor>];
});
afterAll(async () => {
  const codes = await Promise.all(procs.map((p) => p.stop()));
  await site?.stop();
  await chromium?.stop();
  expect(codes, procs.map((p) => p.stderr().slice(-1500)).join('\n---\n')).toEqual([0, 0]);
});

describe('two executor processes sharing Redis', () => {
  it('any replica answers GetTask and WatchTask for a task the other runs', async () => {
    const submitted = await a.submitTask({
      spec: spec({
        actions: [
          { navigate: { url: `${site.url}/news` } },
          { waitFor: { duration: '1s' } },
          { extract: { selector: '.title', all: true, output: 'titles' } },
        ],
      }),
    });
    const id = submitted.task?.id ?? '';
    const seen: WatchTaskResponse[] = [];
    for await (const e of b.watchTask({ taskId: id, sendInitialState: true }, { timeoutMs: 60_000 })) seen.push(e);
    const last = seen[seen.length - 1];
    expect(last?.event.case === 'taskEvent' && last.event.value.task?.state).toBe(TaskState.SUCCEEDED);
    expect(
      seen.some(
        (e) =>
          e.event.case === 'actionEvent' &&
          e.event.value.type === ActionEventType.SUCCEEDED &&
          e.event.value.result?.index === 2,
      ),
    ).toBe(true);
    const fromB = await b.getTask({ taskId: id });
    expect(fromB.task?.state).toBe(TaskState.SUCCEEDED);
    expect(fromB.task?.outputs['titles']).toBeDefined();
    expect((await b.listTasks({})).tasks.map((t) => t.id)).toContain(id);
  });

  it('CancelTask on one replica stops a task running on the other within a second', async () => {
    const submitted = await a.submitTask({
      spec: spec({
        actions: [{ navigate: { url: `${site.url}/playground` } }, { waitFor: { selector: '#never' }, timeout: '30s' }],
      }),
    });
    const id = submitted.task?.id ?? '';
    await watchUntil(b, id, (e) => e.event.case === 'actionEvent' && e.event.value.result?.index === 1);
    const t0 = Date.now();
    const res = await b.cancelTask({ taskId: id, reason: 'from the other replica' });
    expect(res.task?.state).toBe(TaskState.CANCELLED);
    // well within a second, by the server's finish time (see the cancel test in execution.int.test.ts)
    expect(timestampMs(res.task?.finishTime) - t0).toBeLessThan(1000);
  });

  it('shares idempotency keys and templates', async () => {
    const s = spec({ idempotencyKey: 'shared-key', actions: [{ navigate: { url: `${site.url}/news` } }] });
    const [x, y] = await Promise.all([a.submitTask({ spec: s }), b.submitTask({ spec: s })]);
    expect(x.task?.id).toBe(y.task?.id);
    expect([x.deduplicated, y.deduplicated].sort()).toEqual([false, true]);
    await a.registerTemplate({
      template: fromJson(TemplateSchema, { name: 'shared', actions: [{ navigate: { url: `${site.url}/news` } }] }),
    });
    expect((await b.getTemplate({ name: 'shared' })).template?.revision).toBe(1n);
  });
});

describe('replica takeover (REPLICA_TIMEOUT)', () => {
  it('a SIGKILLed replica: its running task ends FAILED naming it, its queued task runs once on a survivor', async () => {
    const env = {
      STATE_STORE: 'redis',
      // Its own database, apart from this file's two replicas too: one of those would otherwise take over the
      // victim's tasks now and then, and the survivors' takeover counters below would not see it.
      REDIS_URL: `${useTestEnv().redis.url}/4`,
      SESSION_SOURCE: 'cdp',
      CDP_ENDPOINT: chromium.wsEndpoint,
      TASK_CONCURRENCY: '1',
      REPLICA_TIMEOUT: '1500ms',
    };
    // Generous start timeouts: a loaded machine can take long to start three processes.
    const started = await Promise.allSettled(
      ['victim-replica', 'survivor-1', 'survivor-2'].map((id) =>
        startServiceProcess(main, { ...env, REPLICA_ID: id }, { timeoutMs: 90_000 }),
      ),
    );
    const up = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const [victim, ...survivors] = up as [ServiceProcess, ServiceProcess, ServiceProcess];
    try {
      expect(started.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual(['ok', 'ok', 'ok']);
      const v = client(victim);
      const [s1, s2] = survivors.map(client) as [Client<typeof TaskExecutor>, Client<typeof TaskExecutor>];
      const running = await v.submitTask({
        spec: spec({
          actions: [{ navigate: { url: `${site.url}/playground` } }, { waitFor: { duration: '60s' } }],
        }),
      });
      const probe = `/news?probe=${running.task?.id ?? ''}`;
      const queued = await v.submitTask({
        spec: spec({
          actions: [
            { navigate: { url: `${site.url}${probe}` } },
            { extract: { selector: '.title', all: true, output: 'titles' } },
          ],
        }),
      });
      const [runningId, queuedId] = [running.task?.id ?? '', queued.task?.id ?? ''];
      await watchUntil(s1, runningId, (e) => e.event.case === 'actionEvent' && e.event.value.result?.index === 1);
      expect((await s1.getTask({ taskId: queuedId })).task?.state).toBe(TaskState.QUEUED);

      const t0 = Date.now();
      victim.child.kill('SIGKILL');
      expect(await victim.exited).toBeNull();
      let detectedMs = 0;
      const [lost, ran] = await Promise.all([
        watchUntil(s1, runningId, () => false).then((events) => {
          detectedMs = Date.now() - t0;
          return events;
        }),
        watchUntil(s2, queuedId, () => false),
      ]);
      const end = lost[lost.length - 1];
      const lostTask = end?.event.case === 'taskEvent' ? end.event.value.task : undefined;
      expect(lostTask?.state).toBe(TaskState.FAILED);
      expect(lostTask?.error?.reason).toBe(TaskFailureReason.EXECUTOR_LOST);
      expect(lostTask?.error?.message).toBe('executor replica victim-replica stopped while running the task');
      expect(lostTask?.error?.actionIndex).toBe(1);
      // Ended within REPLICA_TIMEOUT + a third of it (2 s) of the last heartbeat, plus slack for a loaded machine.
      expect(detectedMs).toBeLessThan(8000);

      const last = ran[ran.length - 1];
      const ranTask = last?.event.case === 'taskEvent' ? last.event.value.task : undefined;
      expect(ranTask?.state, JSON.stringify(ranTask?.error)).toBe(TaskState.SUCCEEDED);
      expect(ranTask?.outputs['titles']).toBeDefined();
      // Exactly once: one start seen, one page load of the probe URL, whichever survivor took it.
      const starts = ran.filter((e) => e.event.case === 'taskEvent' && e.event.value.type === TaskEventType.STARTED);
      expect(starts).toHaveLength(1);
      expect(site.requests.filter((r) => r === `GET ${probe}`)).toHaveLength(1);
      expect((await s2.getTask({ taskId: queuedId })).task?.state).toBe(TaskState.SUCCEEDED);
      const takeovers = async (outcome: string): Promise<number> => {
        let n = 0;
        for (const p of survivors)
          n += await scrapeMetric(p.httpPort, 'nightglow_executor_takeovers_total', { outcome });
        return n;
      };
      // The counters move right after the takeover's writes, which the watchers may see first.
      let counted: number[] = [];
      for (let i = 0; i < 50; i++) {
        counted = [await takeovers('failed'), await takeovers('requeued')];
        if (counted[0] === 1 && counted[1] === 1) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(counted).toEqual([1, 1]);
    } finally {
      for (const r of started) if (r.status === 'rejected') process.stderr.write(`${String(r.reason)}\n`);
      if (victim && victim.child.exitCode === null && victim.child.signalCode === null) victim.child.kill('SIGKILL');
      expect(await Promise.all(survivors.map((p) => p.stop()))).toEqual(survivors.map(() => 0));
    }
  });
});

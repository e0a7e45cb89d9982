import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromJson, toJson, type JsonValue } from '@bufbuild/protobuf';
import { ValueSchema } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, createClient, type Client } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionBroker, SessionState } from '@nightglow/contracts/broker/v1';
import { TaskExecutor, TaskSpecSchema, TaskState } from '@nightglow/contracts/executor/v1';
import { startService, type StartedService } from '@nightglow/runtime';
import { startServiceProcess, type ServiceProcess } from '@nightglow/runtime/testing';
import { useTestEnv } from '@nightglow/testenv';
import type { ExecutorConfig } from './config.js';
import { NEWS_TITLES } from './fixture-site/pages.js';
import { startFixtureSite, type FixtureSite } from './fixture-site/fixture-site.js';
import { timestampMs } from './spec/durations.js';
import { createTaskExecutorService } from './service.js';
import { watchUntil } from './testing/watch-until.js';

const brokerMain = fileURLToPath(new URL('../../session-broker/dist/main.js', import.meta.url));
const executorMain = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const CALLER_KEY = 'executor-test-caller-key-0123';
let broker: ServiceProcess;
const browserDir = mkdtempSync(join(tmpdir(), 'ng-exec-broker-'));
/** Processes whose command line names the broker's browser folder (its Chromiums). */
const brokerChromiums = (): string[] => {
  try {
    return execFileSync('pgrep', ['-f', browserDir], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
};
let site: FixtureSite;
let executor: StartedService<ExecutorConfig>;
let sessions: Client<typeof SessionBroker>;
let tasks: Client<typeof TaskExecutor>;

const grpc = (port: number) => createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` });
const spec = (json: JsonValue) => fromJson(TaskSpecSchema, json);
async function run(c: Client<typeof TaskExecutor>, json: JsonValue) {
  const res = await c.submitTask({ spec: spec(json) });
  const events = await watchUntil(c, res.task?.id ?? '', () => false);
  const last = events[events.length - 1];
  if (last?.event.case !== 'taskEvent' || !last.event.value.task) throw new Error('no terminal event');
  return last.event.value.task;
}

beforeAll(async () => {
  broker = await startServiceProcess(
    brokerMain,
    { TRUSTED_CALLER_KEYS: `some-other-service-key-0123,${CALLER_KEY}`, LOCAL_DATA_DIR: browserDir },
    { timeoutMs: 60_000 },
  );
  site = await startFixtureSite();
  executor = await startService(createTaskExecutorService(), {
    BIND_HOST: '127.0.0.1',
    GRPC_PORT: '0',
    HTTP_PORT: '0',
    LOG_LEVEL: 'silent',
    BROKER_URL: `http://127.0.0.1:${broker.grpcPort}`,
    BROKER_CALLER_KEY: CALLER_KEY,
  });
  sessions = createClient(SessionBroker, grpc(broker.grpcPort));
  tasks = createClient(TaskExecutor, grpc(executor.server.grpcPort));
});
afterAll(async () => {
  await executor?.stop();
  await site?.stop();
  expect(await broker?.stop()).toBe(0);
  for (let i = 0; i < 100 && brokerChromiums().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  expect(brokerChromiums(), 'Chromium processes of the broker left after it stopped').toEqual([]);
  rmSync(browserDir, { recursive: true, force: true });
});

describe('through a real session broker', () => {
  it('runs in an ephemeral session, labels it with the task id and deletes it afterwards', async () => {
    const task = await run(tasks, {
      ephemeralSession: {},
      actions: [
        { navigate: { url: `${site.url}/news` } },
        { extract: { selector: '.title', all: true, output: 'titles' } },
      ],
    });
    expect(task.state, task.error?.message).toBe(TaskState.SUCCEEDED);
    expect(brokerChromiums().length).toBeGreaterThan(0);
    expect(toJson(ValueSchema, task.outputs['titles']!)).toEqual(NEWS_TITLES);
    expect(task.ephemeralSession).toBe(true);
    const s = (await sessions.getSession({ sessionId: task.sessionId })).session;
    expect(s?.labels['nightglow.io/task-id']).toBe(task.id);
    expect([SessionState.CLOSING, SessionState.CLOSED]).toContain(s?.state);
  });

  it('cleans up the ephemeral session of a failed and of a cancelled task', async () => {
    const failed = await run(tasks, {
      actions: [{ navigate: { url: `${site.url}/playground` } }, { click: { selector: '#never' }, timeout: '0.5s' }],
    });
    expect(failed.state).toBe(TaskState.FAILED);
    expect(failed.actionResults[1]?.error?.message).toBe('waiting for selector `#never` failed: 500 ms exceeded');
    expect([SessionState.CLOSING, SessionState.CLOSED]).toContain(
      (await sessions.getSession({ sessionId: failed.sessionId })).session?.state,
    );
    const res = await tasks.submitTask({
      spec: spec({
        actions: [{ navigate: { url: `${site.url}/playground` } }, { waitFor: { selector: '#never' }, timeout: '30s' }],
      }),
    });
    const id = res.task?.id ?? '';
    await watchUntil(tasks, id, (e) => e.event.case === 'actionEvent' && e.event.value.result?.index === 1);
    const t0 = Date.now();
    const cancelled = (await tasks.cancelTask({ taskId: id })).task;
    expect(cancelled?.state).toBe(TaskState.CANCELLED);
    // well within a second, by the server's finish time (see the cancel test in execution.int.test.ts)
    expect(timestampMs(cancelled?.finishTime) - t0).toBeLessThan(1000);
    expect([SessionState.CLOSING, SessionState.CLOSED]).toContain(
      (await sessions.getSession({ sessionId: cancelled?.sessionId ?? '' })).session?.state,
    );
  });

  it('runs in an existing session by id and leaves it READY', async () => {
    const created = await sessions.createSession({ labels: { owner: 'test' } });
    const id = created.session?.id ?? '';
    const task = await run(tasks, {
      sessionId: id,
      actions: [{ navigate: { url: `${site.url}/login` } }, { assert: { titleContains: 'Log in' } }],
    });
    expect(task.state, task.error?.message).toBe(TaskState.SUCCEEDED);
    expect([task.sessionId, task.ephemeralSession]).toEqual([id, false]);
    expect((await sessions.getSession({ sessionId: id })).session?.state).toBe(SessionState.READY);
    await sessions.deleteSession({ sessionId: id });
    const gone = await tasks
      .submitTask({
        spec: spec({ sessionId: '01a00000-0000-7000-8000-000000000000', actions: [{ click: { selector: 'a' } }] }),
      })
      .catch((e: unknown) => ConnectError.from(e));
    expect(gone instanceof ConnectError && gone.code).toBe(Code.NotFound);
  });

  it('refuses existing sessions FAILED_PRECONDITION when the broker does not trust its caller key', async () => {
    const created = await sessions.createSession({});
    const id = created.session?.id ?? '';
    const base = { BIND_HOST: '127.0.0.1', GRPC_PORT: '0', HTTP_PORT: '0', LOG_LEVEL: 'silent' };
    const url = `http://127.0.0.1:${broker.grpcPort}`;
    try {
      for (const [key, message] of [
        [undefined, /need BROKER_CALLER_KEY/],
        ['an-untrusted-caller-key-0123', /does not accept the executor's BROKER_CALLER_KEY/],
      ] as const) {
        const env = { ...base, BROKER_URL: url, ...(key ? { BROKER_CALLER_KEY: key } : {}) };
        const other = await startService(createTaskExecutorService(), env);
        try {
          const c = createClient(TaskExecutor, grpc(other.server.grpcPort));
          const e = await c
            .submitTask({ spec: spec({ sessionId: id, actions: [{ navigate: { url: site.url } }] }) })
            .catch((x: unknown) => ConnectError.from(x));
          expect(e instanceof ConnectError && e.code).toBe(Code.FailedPrecondition);
          expect(e instanceof ConnectError && e.rawMessage).toMatch(message);
          expect(e instanceof ConnectError && e.rawMessage).not.toContain(CALLER_KEY);
        } finally {
          await other.stop();
        }
      }
      const closedId = (await sessions.createSession({})).session?.id ?? '';
      await sessions.deleteSession({ sessionId: closedId });
      const closed = await tasks
        .submitTask({ spec: spec({ sessionId: closedId, actions: [{ navigate: { url: site.url } }] }) })
        .catch((x: unknown) => ConnectError.from(x));
      expect(closed instanceof ConnectError && closed.code).toBe(Code.FailedPrecondition);
    } finally {
      await sessions.deleteSession({ sessionId: id });
    }
  });

  it('two executor processes sharing Redis: one runs, the other answers WatchTask and GetTask', async () => {
    const env = {
      STATE_STORE: 'redis',
      REDIS_URL: `${useTestEnv().redis.url}/3`, // own database: executors of other files share the key prefix
      BROKER_URL: `http://127.0.0.1:${broker.grpcPort}`,
      BROKER_CALLER_KEY: CALLER_KEY,
    };
    const start = () => startServiceProcess(executorMain, env, { timeoutMs: 60_000 });
    const procs = await Promise.all([start(), start()]);
    try {
      const [a, b] = procs.map((p) => createClient(TaskExecutor, grpc(p.grpcPort))) as [
        Client<typeof TaskExecutor>,
        Client<typeof TaskExecutor>,
      ];
      const res = await a.submitTask({
        spec: spec({
          actions: [
            { navigate: { url: `${site.url}/news` } },
            { waitFor: { duration: '0.5s' } },
            { extract: { selector: '#story-1 .title', output: 'top' } },
          ],
        }),
      });
      const seen = await watchUntil(b, res.task?.id ?? '', () => false);
      const last = seen[seen.length - 1];
      expect(last?.event.case === 'taskEvent' && last.event.value.task?.state).toBe(TaskState.SUCCEEDED);
      expect((await b.getTask({ taskId: res.task?.id ?? '' })).task?.outputs['top']).toBeDefined();
    } finally {
      expect(await Promise.all(procs.map((p) => p.stop()))).toEqual([0, 0]);
    }
  });
});

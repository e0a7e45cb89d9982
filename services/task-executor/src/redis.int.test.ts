import { fileURLToPath } from 'node:url';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { createClient, type Client } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ActionEventType,
  TaskExecutor,
  TaskSpecSchema,
  TaskState,
  TemplateSchema,
  type WatchTaskResponse,
} from '@nightglow/contracts/executor/v1';
import { startServiceProcess, type ServiceProcess } from '@nightglow/runtime/testing';
import { launchChromium, useTestEnv, type ChromiumBrowser } from '@nightglow/testenv';
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
    REDIS_URL: useTestEnv().redis.url,
    SESSION_SOURCE: 'cdp',
    CDP_ENDPOINT: chromium.wsEndpoint,
    TASK_CONCURRENCY: '2',
  };
  procs = await Promise.all([startServiceProcess(main, env), startServiceProcess(main, env)]);
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
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(res.task?.state).toBe(TaskState.CANCELLED);
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

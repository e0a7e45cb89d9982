/**
 * AutomationTasks through the real task executor (its compiled main as a
 * process, sessions straight on a local Chromium: SESSION_SOURCE=cdp) and the
 * real kube-apiserver. The broker path and the record store come later.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, createTracing, systemClock } from '@nightglow/runtime';
import { startServiceProcess, type ServiceProcess } from '@nightglow/runtime/testing';
import { launchChromium, type ChromiumBrowser } from '@nightglow/testenv';
import { createExecutorApi, type ExecutorApi } from '../clients/executor-api.js';
import { createEventRecorder } from '../controller/events.js';
import type { KubeObject } from '../kube/kube-api.js';
import { API_VERSION, RESOURCES } from '../kube/resources.js';
import { createManager, type Manager } from '../manager/manager.js';
import { connectTestKube, createTestNamespace, eventually, installTestCrds } from '../testing/kube-env.js';
import { taskControllerSpec } from './task-controller.js';
import type { AutomationTask } from './task-types.js';

const executorMain = fileURLToPath(new URL('../../../task-executor/dist/main.js', import.meta.url));
const { api } = connectTestKube();
const logger = createLogger({ service: 'operator-test', level: 'silent' });
let ns = '';
let site: http.Server;
let siteUrl = '';
let chromium: ChromiumBrowser;
let executorProc: ServiceProcess;
let executor: ExecutorApi;
let manager: Manager;

const task = (name: string, actions: unknown[]): KubeObject => ({
  apiVersion: API_VERSION,
  kind: 'AutomationTask',
  metadata: { name, namespace: ns },
  spec: { ephemeralSession: {}, timeout: '60s', actions },
});
const read = async (name: string): Promise<AutomationTask | undefined> =>
  (await api.get(RESOURCES.automationTask, { namespace: ns, name })) as AutomationTask | undefined;

describe('AutomationTask with the real executor', () => {
  beforeAll(async () => {
    site = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        '<html><head><title>News</title></head><body><a class="title">one</a><a class="title">two</a></body></html>',
      );
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/news`;
    chromium = await launchChromium();
    executorProc = await startServiceProcess(executorMain, {
      SESSION_SOURCE: 'cdp',
      CDP_ENDPOINT: chromium.wsEndpoint,
      EVENT_BUS: 'memory',
      STATE_STORE: 'memory',
    });
    executor = createExecutorApi({
      baseUrl: `http://127.0.0.1:${executorProc.grpcPort}`,
      tracing: createTracing({ serviceName: 'operator-test' }),
    });
    await installTestCrds(api);
    ns = await createTestNamespace(api, 'tasks');
    const events = createEventRecorder({ api, clock: systemClock, logger });
    manager = createManager({
      api,
      clock: systemClock,
      logger,
      namespace: ns,
      specs: [taskControllerSpec({ api, executor, clock: systemClock, events, pollMs: 200, recordWaitMs: 0 })],
    });
    manager.start();
  });
  afterAll(async () => {
    await manager?.stop();
    await executorProc?.stop(5_000);
    await chromium?.stop();
    site?.close();
  });

  it('runs to Succeeded with progress and outputs, and writes a TaskRecord', async () => {
    await api.create(
      RESOURCES.automationTask,
      task('news', [
        { name: 'open', navigate: { url: siteUrl, waitUntil: 'load' } },
        { name: 'titles', extract: { selector: '.title', all: true, output: 'titles' } },
        { name: 'check', assert: { titleContains: 'News' } },
      ]),
    );
    const done = await eventually(
      async () => {
        const t = await read('news');
        return t?.status?.recordName ? t : undefined;
      },
      'the task to finish and be recorded',
      60_000,
    );
    expect(done.status).toMatchObject({ phase: 'Succeeded', progress: '3/3', outputs: { titles: '["one","two"]' } });
    expect(done.status?.conditions?.find((c) => c.type === 'Complete')).toMatchObject({ status: 'True' });
    const record = (await api.get(RESOURCES.taskRecord, { namespace: ns, name: done.status?.recordName ?? '' })) as
      (KubeObject & { spec: Record<string, unknown> }) | undefined;
    expect(record?.spec).toMatchObject({
      taskName: 'news',
      phase: 'Succeeded',
      taskId: done.status?.taskId,
      actionsSummary: '3/3',
    });
    expect((await executor.getTask(done.status?.taskId ?? '')).state).toBe('SUCCEEDED');
  });

  it('cancels a running task when its AutomationTask is deleted', async () => {
    await api.create(
      RESOURCES.automationTask,
      task('slow', [
        { name: 'open', navigate: { url: siteUrl } },
        { name: 'wait', waitFor: { duration: '30s' }, timeout: '40s' },
      ]),
    );
    const running = await eventually(
      async () => {
        const t = await read('slow');
        return t?.status?.phase === 'Running' && t.status.currentAction === 'wait' ? t : undefined;
      },
      'the task to run its wait',
      30_000,
    );
    await api.delete(RESOURCES.automationTask, { namespace: ns, name: 'slow' });
    await eventually(async () => ((await read('slow')) ? undefined : true), 'the task object to go');
    const t = await executor.getTask(running.status?.taskId ?? '');
    expect(t.state).toBe('CANCELLED');
  });
});

/**
 * Benchmark `executor`: a 20-action task on the demo site through the task
 * executor (gRPC SubmitTask + WatchTask to the end, with its events, state
 * store, retries/timeouts machinery and session handling) against a
 * hand-written puppeteer-core script doing the same actions directly on the
 * same Chromium (connect, fresh browser context and page, actions, close —
 * what the executor does per task too); alternating rounds, medians.
 * Then tasks per minute at concurrency 4, both ways. Target: executor wall
 * time ≤ 1.15× the script.
 */
import { create, fromJson } from '@bufbuild/protobuf';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { connect } from 'puppeteer-core';
import { createMemoryBus } from '@nightglow/bus';
import { SubmitTaskRequestSchema, TaskExecutor, TaskSpecSchema, TaskState } from '@nightglow/contracts/executor/v1';
import { startService } from '@nightglow/runtime';
import { launchChromium } from '@nightglow/testenv';
import { createDirectSessionProvider, createTaskExecutorService, startFixtureSite } from '@nightglow/task-executor';
import { handWritten, taskActions } from './executor-workload.js';
import { report } from './report.js';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

/** Runs the benchmark; resolves whether the targets were met. */
export async function executorBench(opts: { rounds?: number; throughputTasks?: number } = {}): Promise<boolean> {
  const rounds = opts.rounds ?? 16;
  const total = opts.throughputTasks ?? 24;
  const chromium = await launchChromium();
  const site = await startFixtureSite();
  const sessions = await createDirectSessionProvider(chromium.wsEndpoint, 'default');
  const bus = createMemoryBus();
  const service = await startService(createTaskExecutorService({ sessions, bus }), {
    BIND_HOST: '127.0.0.1',
    GRPC_PORT: '0',
    HTTP_PORT: '0',
    LOG_LEVEL: 'silent',
    TASK_CONCURRENCY: '4',
  });
  const client = createClient(
    TaskExecutor,
    createGrpcTransport({ baseUrl: `http://127.0.0.1:${service.server.grpcPort}` }),
  );
  const spec = fromJson(TaskSpecSchema, { actions: taskActions(site.url) });

  const viaExecutor = async (): Promise<number> => {
    const t0 = performance.now();
    const res = await client.submitTask(create(SubmitTaskRequestSchema, { spec }));
    let state = TaskState.UNSPECIFIED;
    for await (const e of client.watchTask({ taskId: res.task?.id ?? '' })) {
      if (e.event.case === 'taskEvent' && e.event.value.task) state = e.event.value.task.state;
    }
    if (state !== TaskState.SUCCEEDED) throw new Error(`executor task ended ${TaskState[state]}`);
    return performance.now() - t0;
  };
  // The script as a user would run it per task: connect, fresh context and page, the actions, clean up.
  const direct = async (): Promise<number> => {
    const t0 = performance.now();
    const browser = await connect({ browserWSEndpoint: chromium.wsEndpoint, defaultViewport: null });
    const ctx = await browser.createBrowserContext();
    const page = await ctx.newPage();
    const out = await handWritten(page, site.url);
    if ((out['titles'] as unknown[]).length !== 8) throw new Error('script did not extract the titles');
    await ctx.close();
    await browser.disconnect();
    return performance.now() - t0;
  };
  const pool = async (n: number, width: number, one: () => Promise<number>): Promise<number> => {
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: width }, async () => {
        while (next++ < n) await one();
      }),
    );
    return ((performance.now() - t0) / 1000 / 60) ** -1 * n;
  };

  try {
    await viaExecutor();
    await direct();
    const ours: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < rounds; i++) {
      base.push(await direct());
      ours.push(await viaExecutor());
    }
    const baseTpm = await pool(total, 4, direct);
    const oursTpm = await pool(total, 4, viaExecutor);
    console.log(`executor ms: ${ours.map(Math.round).join(' ')}\nscript ms:   ${base.map(Math.round).join(' ')}`);
    return report('executor', [
      {
        metric: '20-action task wall time (median)',
        unit: 'ms',
        ours: median(ours),
        baseline: median(base),
        target: '<= 1.15x',
        higherIsBetter: false,
        targetRatio: 1.15,
      },
      {
        metric: '20-action task wall time (fastest round; least disturbed by other load)',
        unit: 'ms',
        ours: Math.min(...ours),
        baseline: Math.min(...base),
        target: 'report',
        higherIsBetter: false,
      },
      {
        metric: 'tasks per minute at concurrency 4',
        unit: 'tasks/min',
        ours: oursTpm,
        baseline: baseTpm,
        target: 'report',
        higherIsBetter: true,
      },
    ]);
  } finally {
    await service.stop();
    await sessions.close();
    await bus.close();
    await site.stop();
    await chromium.stop();
  }
}

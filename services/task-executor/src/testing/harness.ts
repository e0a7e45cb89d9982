/**
 * Integration-test harness: a real Chromium (launched here), the fixture site,
 * the executor served in process on free loopback ports with the direct
 * session provider and an in-process bus whose `tasks`/`actions` events are
 * captured, and a gRPC client. `stop()` stops everything it started and fails
 * when a Chromium process is left.
 */
import { create, fromJson, type JsonValue } from '@bufbuild/protobuf';
import { createClient, type Client } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { createMemoryBus } from '@nightglow/bus';
import type { Envelope } from '@nightglow/contracts/events/v1';
import { Topic } from '@nightglow/contracts/events/v1';
import {
  TaskExecutor,
  TaskSpecSchema,
  type Task,
  type TaskSpec,
  type WatchTaskResponse,
} from '@nightglow/contracts/executor/v1';
import { SubmitTaskRequestSchema } from '@nightglow/contracts/executor/v1';
import { startService } from '@nightglow/runtime';
import { launchChromium, type ChromiumBrowser } from '@nightglow/testenv';
import { startFixtureSite, DEMO_SITE_DEFAULT_URL, type FixtureSite } from '../fixture-site/fixture-site.js';
import { createTaskExecutorService } from '../service.js';
import { createDirectSessionProvider, type DirectSessionProvider } from '../sessions/direct-provider.js';
import { isTerminal } from '../run/task-state.js';
import type { SessionProvider } from '../sessions/port.js';

/** A running harness. */
export type Harness = {
  readonly client: Client<typeof TaskExecutor>;
  readonly site: FixtureSite;
  readonly sessions: DirectSessionProvider;
  readonly chromium: ChromiumBrowser;
  readonly grpcPort: number;
  /** Connect / gRPC-Web / metrics port. */
  readonly httpPort: number;
  /** Every envelope published so far, in order. */
  readonly envelopes: Envelope[];
  /** A spec from proto3 JSON, with `http://127.0.0.1:8088` rebased onto the fixture site. */
  spec(json: JsonValue): TaskSpec;
  /** Submits and watches to the end; resolves the final task and every watch event. */
  run(spec: TaskSpec): Promise<{ task: Task; events: WatchTaskResponse[] }>;
  /** Watches a submitted task to its end. */
  follow(taskId: string): Promise<{ task: Task; events: WatchTaskResponse[] }>;
  stop(): Promise<void>;
};

/** Options: executor environment variables (e.g. `ALLOW_EVALUATE`). */
export type HarnessOptions = {
  readonly env?: Readonly<Record<string, string>>;
  /** Report this sidecar address on every session (phase-mark tests). */
  readonly sidecarAddress?: string;
};

/** Starts Chromium, the fixture site and the executor. */
export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const chromium = await launchChromium();
  const site = await startFixtureSite();
  const sessions = await createDirectSessionProvider(chromium.wsEndpoint, 'default');
  const bus = createMemoryBus();
  const envelopes: Envelope[] = [];
  const sub = await bus.subscribe({
    groupId: 'harness',
    topics: [Topic.TASKS, Topic.ACTIONS],
    fromBeginning: true,
    handler: async (batch) => {
      for (const r of batch.records) if (r.kind === 'event') envelopes.push(r.envelope);
    },
  });
  const sidecar = opts.sidecarAddress;
  const provided: SessionProvider = sidecar
    ? {
        ...sessions,
        acquire: async (req, signal) => ({ ...(await sessions.acquire(req, signal)), sidecarAddress: sidecar }),
      }
    : sessions;
  const service = await startService(createTaskExecutorService({ sessions: provided, bus }), {
    BIND_HOST: '127.0.0.1',
    GRPC_PORT: '0',
    HTTP_PORT: '0',
    LOG_LEVEL: 'silent',
    ...opts.env,
  });
  const client = createClient(
    TaskExecutor,
    createGrpcTransport({ baseUrl: `http://127.0.0.1:${service.server.grpcPort}` }),
  );
  const follow = async (taskId: string): Promise<{ task: Task; events: WatchTaskResponse[] }> => {
    const events: WatchTaskResponse[] = [];
    for await (const e of client.watchTask({ taskId, sendInitialState: true }, { timeoutMs: 90_000 })) events.push(e);
    const last = events[events.length - 1];
    const task = last?.event.case === 'taskEvent' ? last.event.value.task : undefined;
    if (!task || !isTerminal(task.state)) throw new Error(`watch of ${taskId} ended without a terminal event`);
    return { task, events };
  };
  return {
    client,
    site,
    sessions,
    chromium,
    grpcPort: service.server.grpcPort,
    httpPort: service.server.httpPort,
    envelopes,
    spec: (json) =>
      fromJson(
        TaskSpecSchema,
        JSON.parse(JSON.stringify(json).replaceAll(DEMO_SITE_DEFAULT_URL, site.url)) as JsonValue,
      ),
    async run(spec) {
      const res = await client.submitTask(create(SubmitTaskRequestSchema, { spec }));
      if (!res.task) throw new Error('no task returned');
      return follow(res.task.id);
    },
    follow,
    async stop() {
      await service.stop();
      await sub.close();
      await bus.close();
      await sessions.close();
      await site.stop();
      await chromium.stop();
    },
  };
}

/**
 * Integration-test harness: the fixture site, the executor served in process
 * on free loopback ports with an in-process bus whose `tasks`/`actions` events
 * are captured, and a gRPC client. Sessions come either from a real session
 * broker (`sessions: 'broker'`: the broker served in process with a local pool,
 * the executor using its broker session provider, CDP through the broker's
 * proxy) or from a Chromium launched here (`'direct'`, the default: contexts
 * of that browser). `stop()` stops everything it started and fails when a
 * Chromium process is left.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
import { SessionBroker, SessionState } from '@nightglow/contracts/broker/v1';
import { startService, type StartedService } from '@nightglow/runtime';
import { createSessionBrokerService } from '@nightglow/session-broker';
import { launchChromium } from '@nightglow/testenv';
import { startFixtureSite, DEMO_SITE_DEFAULT_URL, type FixtureSite } from '../fixture-site/fixture-site.js';
import { createTaskExecutorService } from '../service.js';
import { createDirectSessionProvider, type DirectSessionProvider } from '../sessions/direct-provider.js';
import { isTerminal } from '../run/task-state.js';
import type { SessionProvider } from '../sessions/port.js';

/** A running harness. */
export type Harness = {
  readonly client: Client<typeof TaskExecutor>;
  readonly site: FixtureSite;
  /** The direct session provider; throws with `sessions: 'broker'`. */
  direct(): DirectSessionProvider;
  /** A client of the session broker; throws with `sessions: 'direct'`. */
  broker(): Client<typeof SessionBroker>;
  /** Ids of the sessions still open (direct: live contexts; broker: QUEUED, STARTING or READY sessions). */
  liveSessions(): Promise<string[]>;
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

/** Options: executor environment variables (e.g. `ALLOW_EVALUATE`) and where sessions come from. */
export type HarnessOptions = {
  readonly env?: Readonly<Record<string, string>>;
  /** Report this sidecar address on every session (phase-mark tests; direct sessions only). */
  readonly sidecarAddress?: string;
  /** `broker`: a real session broker in process; `direct` (default): a Chromium launched here. */
  readonly sessions?: 'direct' | 'broker';
};

/** The executor's credential at the harness's broker. */
export const HARNESS_CALLER_KEY = 'harness-executor-caller-key-0123';
const LIVE = [SessionState.QUEUED, SessionState.STARTING, SessionState.READY];

/** Processes whose command line names `dir` (the broker's Chromiums keep their profiles there). */
function processesUnder(dir: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', dir], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

type SessionSide = {
  readonly direct: DirectSessionProvider | undefined;
  readonly broker: Client<typeof SessionBroker> | undefined;
  /** Executor environment and ports for this side. */
  readonly env: Record<string, string>;
  readonly sessions: SessionProvider | undefined;
  liveSessions(): Promise<string[]>;
  stop(): Promise<void>;
};

async function brokerSide(): Promise<SessionSide> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ng-exec-harness-'));
  const broker: StartedService<unknown> = await startService(createSessionBrokerService(), {
    BIND_HOST: '127.0.0.1',
    GRPC_PORT: '0',
    HTTP_PORT: '0',
    LOG_LEVEL: 'silent',
    LOCAL_DATA_DIR: dataDir,
    TRUSTED_CALLER_KEYS: HARNESS_CALLER_KEY,
  });
  const url = `http://127.0.0.1:${broker.server.grpcPort}`;
  const client = createClient(SessionBroker, createGrpcTransport({ baseUrl: url }));
  return {
    direct: undefined,
    broker: client,
    env: { BROKER_URL: url, BROKER_CALLER_KEY: HARNESS_CALLER_KEY },
    sessions: undefined,
    liveSessions: async () => (await client.listSessions({ states: LIVE, pageSize: 1000 })).sessions.map((s) => s.id),
    async stop() {
      await broker.stop();
      for (let i = 0; i < 100 && processesUnder(dataDir).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      const left = processesUnder(dataDir);
      rmSync(dataDir, { recursive: true, force: true });
      if (left.length > 0) throw new Error(`Chromium processes of the broker left after it stopped: ${left.join(' ')}`);
    },
  };
}

async function directSide(sidecar: string | undefined): Promise<SessionSide> {
  const chromium = await launchChromium();
  const sessions = await createDirectSessionProvider(chromium.wsEndpoint, 'default');
  const provided: SessionProvider = sidecar
    ? {
        ...sessions,
        acquire: async (req, signal) => ({ ...(await sessions.acquire(req, signal)), sidecarAddress: sidecar }),
      }
    : sessions;
  return {
    direct: sessions,
    broker: undefined,
    env: {},
    sessions: provided,
    liveSessions: async () => sessions.liveSessions(),
    async stop() {
      await sessions.close();
      await chromium.stop();
    },
  };
}

/** Starts the fixture site, the session side (a broker or a Chromium) and the executor. */
export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const site = await startFixtureSite();
  const side = opts.sessions === 'broker' ? await brokerSide() : await directSide(opts.sidecarAddress);
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
  const service = await startService(
    createTaskExecutorService({ ...(side.sessions ? { sessions: side.sessions } : {}), bus }),
    { BIND_HOST: '127.0.0.1', GRPC_PORT: '0', HTTP_PORT: '0', LOG_LEVEL: 'silent', ...side.env, ...opts.env },
  );
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
    direct: () => {
      if (!side.direct) throw new Error('this harness runs through the broker: it has no direct session provider');
      return side.direct;
    },
    broker: () => {
      if (!side.broker) throw new Error('this harness has no session broker: start it with sessions: "broker"');
      return side.broker;
    },
    liveSessions: () => side.liveSessions(),
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
      await side.stop();
      await site.stop();
    },
  };
}

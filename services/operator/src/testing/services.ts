/**
 * The real services behind the operator in integration tests, as processes
 * from their compiled mains (build first: `npx tsc -b`): the session broker
 * with its local Chromium pool `default`, the task executor taking its
 * sessions from that broker (a trusted caller, so it may run tasks in
 * sessions it did not create), and a tiny web site for them to load.
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@connectrpc/connect';
import { SessionBroker } from '@nightglow/contracts/broker/v1';
import { TaskExecutor } from '@nightglow/contracts/executor/v1';
import { createServiceClient, createTracing } from '@nightglow/runtime';
import { startServiceProcess, type ServiceProcess } from '@nightglow/runtime/testing';

const BROKER_MAIN = fileURLToPath(new URL('../../../session-broker/dist/main.js', import.meta.url));
const EXECUTOR_MAIN = fileURLToPath(new URL('../../../task-executor/dist/main.js', import.meta.url));
const tracing = createTracing({ serviceName: 'operator-test' });
/** The executor's service credential at the broker (broker `TRUSTED_CALLER_KEYS`, executor `BROKER_CALLER_KEY`). */
const CALLER_KEY = 'operator-test-caller-key-0123';

/** A running broker process and a client of it. */
export type TestBroker = {
  readonly url: string;
  readonly client: Client<typeof SessionBroker>;
  readonly process: ServiceProcess;
  /** Its `LOCAL_DATA_DIR`: every Chromium it launches names this folder on its command line. */
  readonly dataDir: string;
  /** Drains it (its Chromiums close) and removes its data folder; resolves with the exit code. */
  stop(): Promise<number | null>;
};

/**
 * Starts the session broker (in-memory state, the local pool `default`); its
 * events stay in process unless `env` points it at Kafka (`kafkaBusEnv` of `record-store.ts`).
 */
export async function startTestBroker(env: Readonly<Record<string, string>> = {}): Promise<TestBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'ng-operator-broker-'));
  const proc = await startServiceProcess(
    BROKER_MAIN,
    { LOCAL_DATA_DIR: dir, STATE_STORE: 'memory', EVENT_BUS: 'memory', TRUSTED_CALLER_KEYS: CALLER_KEY, ...env },
    { timeoutMs: 60_000 },
  );
  const url = `http://127.0.0.1:${proc.grpcPort}`;
  return {
    url,
    client: createServiceClient(SessionBroker, { baseUrl: url, tracing }),
    process: proc,
    dataDir: dir,
    async stop() {
      const code = await proc.stop(15_000);
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/** A running executor process and a client of it. */
export type TestExecutor = {
  readonly url: string;
  readonly client: Client<typeof TaskExecutor>;
  readonly process: ServiceProcess;
  stop(): Promise<number | null>;
};

/**
 * Starts the task executor with sessions from the broker at `brokerUrl`
 * (SESSION_SOURCE=broker); `env` overrides, e.g. `kafkaBusEnv` of `record-store.ts`.
 */
export async function startTestExecutor(
  brokerUrl: string,
  env: Readonly<Record<string, string>> = {},
): Promise<TestExecutor> {
  const proc = await startServiceProcess(
    EXECUTOR_MAIN,
    {
      SESSION_SOURCE: 'broker',
      BROKER_URL: brokerUrl,
      BROKER_CALLER_KEY: CALLER_KEY,
      STATE_STORE: 'memory',
      EVENT_BUS: 'memory',
      ...env,
    },
    { timeoutMs: 60_000 },
  );
  const url = `http://127.0.0.1:${proc.grpcPort}`;
  return {
    url,
    client: createServiceClient(TaskExecutor, { baseUrl: url, tracing }),
    process: proc,
    stop: () => proc.stop(15_000),
  };
}

/** A local site: `/news` (title "News", two `.title` links) and `/other` (title "Other"). */
export type TestSite = { readonly url: string; close(): Promise<void> };

/** Starts {@link TestSite} on a free loopback port. */
export async function startTestSite(): Promise<TestSite> {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(
      req.url?.startsWith('/other')
        ? '<html><head><title>Other</title></head><body><p id="other">other page</p></body></html>'
        : '<html><head><title>News</title></head><body><a class="title">one</a><a class="title">two</a></body></html>',
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

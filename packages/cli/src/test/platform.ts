/**
 * Test support: the broker (local Chromium pool), the executor and the record
 * store (PGlite, API keys on) started in-process on free loopback ports,
 * sharing one in-process event bus, plus the demo site; and two ways to run
 * the CLI against them — in-process (`runCli` with buffers) and as the real
 * `dist/bin.js` process.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { createMemoryBus, type MemoryBus } from '@nightglow/bus';
import { RecordStore } from '@nightglow/contracts/records/v1';
import { TaskExecutor } from '@nightglow/contracts/executor/v1';
import { createRecordStoreService } from '@nightglow/record-store';
import { startService } from '@nightglow/runtime';
import { createSessionBrokerService } from '@nightglow/session-broker';
import { createTaskExecutorService, startFixtureSite, type FixtureSite } from '@nightglow/task-executor';
import { bearer } from '../clients.js';
import { runCli } from '../main.js';
import { memoryIo } from '../testing.js';

/** The record store's bootstrap admin key in these tests. */
export const API_KEY = 'cli-test-admin-key-0123456789abcdef';

/** The built executable; `npx tsc -b` makes it. */
export const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));

/** What a CLI run left behind. */
export type CliResult = { readonly code: number; readonly out: string; readonly err: string };

/** The running platform of a test file. */
export type Platform = {
  readonly site: FixtureSite;
  readonly bus: MemoryBus;
  /** NIGHTGLOW_* variables pointing the CLI at the services. */
  readonly env: Record<string, string>;
  /** A scratch folder (the CLI's working folder). */
  readonly dir: string;
  /** Broker LOCAL_DATA_DIR (its Chromium profiles live below). */
  readonly browserDir: string;
  readonly executor: Client<typeof TaskExecutor>;
  readonly records: Client<typeof RecordStore>;
  /** Runs `nightglow …` in-process. */
  cli(...argv: string[]): Promise<CliResult>;
  /** Runs `nightglow …` in-process with stdout posing as a terminal and/or an interrupt signal. */
  cliWith(opts: { readonly tty?: boolean; readonly signal?: AbortSignal }, ...argv: string[]): Promise<CliResult>;
  /** Runs `node dist/bin.js …` as a child process. */
  bin(argv: readonly string[], extraEnv?: Record<string, string>): Promise<CliResult>;
  stop(): Promise<void>;
};

const quiet = { BIND_HOST: '127.0.0.1', GRPC_PORT: '0', HTTP_PORT: '0', LOG_LEVEL: 'silent', DRAIN_DELAY: '0s' };

/** Starts everything; fails with a message saying how to build the bin when it is missing. */
export async function startPlatform(): Promise<Platform> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build it first with \`npx tsc -b\``);
  const dir = mkdtempSync(join(tmpdir(), 'ng-cli-int-'));
  const browserDir = mkdtempSync(join(tmpdir(), 'ng-cli-browsers-'));
  const bus = createMemoryBus();
  const started: { stop(): Promise<unknown> }[] = [];
  try {
    const site = await startFixtureSite();
    const broker = await startService(createSessionBrokerService({ bus }), {
      ...quiet,
      LOCAL_DATA_DIR: browserDir,
      SHUTDOWN_TIMEOUT: '5s',
      POOLS: JSON.stringify({ pools: [{ name: 'default', maxSessions: 4, local: { prewarm: 1 } }] }),
    });
    started.push(broker);
    const executor = await startService(createTaskExecutorService({ bus }), {
      ...quiet,
      BROKER_URL: `http://127.0.0.1:${broker.server.grpcPort}`,
    });
    started.push(executor);
    const records = await startService(createRecordStoreService({ bus }), {
      ...quiet,
      PGLITE_DIR: join(dir, 'pglite'),
      ADMIN_API_KEY: API_KEY,
      SEAL_GRACE: '300ms',
      SEAL_INTERVAL: '100ms',
    });
    started.push(records);
    const url = (s: { readonly server: { readonly httpPort: number } }) => `http://127.0.0.1:${s.server.httpPort}`;
    const env = {
      NIGHTGLOW_BROKER_URL: url(broker),
      NIGHTGLOW_EXECUTOR_URL: url(executor),
      NIGHTGLOW_RECORDS_URL: url(records),
      NIGHTGLOW_API_KEY: API_KEY,
      NIGHTGLOW_HOME: join(dir, 'home'),
    };
    const connect = (baseUrl: string, key?: string) =>
      createConnectTransport({ baseUrl, httpVersion: '1.1', interceptors: key ? [bearer(key)] : [] });
    return {
      site,
      bus,
      env,
      dir,
      browserDir,
      executor: createClient(TaskExecutor, connect(env.NIGHTGLOW_EXECUTOR_URL)),
      records: createClient(RecordStore, connect(env.NIGHTGLOW_RECORDS_URL, API_KEY)),
      async cli(...argv) {
        const io = memoryIo({ env, cwd: dir });
        const code = await runCli(argv, io);
        return { code, out: io.stdout.text(), err: io.stderr.text() };
      },
      async cliWith(opts, ...argv) {
        const io = memoryIo({ env, cwd: dir, ...opts });
        const code = await runCli(argv, io);
        return { code, out: io.stdout.text(), err: io.stderr.text() };
      },
      bin(argv, extraEnv = {}) {
        return new Promise((resolve) => {
          execFile(
            process.execPath,
            [BIN, ...argv],
            { cwd: dir, env: { ...process.env, ...env, ...extraEnv }, timeout: 120_000 },
            (error, stdout, stderr) => {
              const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
              resolve({ code, out: stdout, err: stderr });
            },
          );
        });
      },
      async stop() {
        for (const s of started.reverse()) await s.stop();
        await site.stop();
        await bus.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    for (const s of started.reverse()) await s.stop();
    throw e;
  }
}

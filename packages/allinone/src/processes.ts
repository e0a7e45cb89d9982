/**
 * The platform as separate processes, laid out like a Kubernetes install on
 * one host: each "browser pod" is a Chromium plus its instrumentation sidecar
 * process (whose CDP gateway fronts the browser), the broker reaches them as a
 * static pool through the gateways, and the record store, broker, executor
 * and (with a kubeconfig) operator each run as their own process from the
 * compiled `dist/main.js`. Processes talk through Kafka (required) and,
 * when given, Redis and PostgreSQL. Each process logs to `<home>/logs/<name>.log`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { SECRET_HEADER } from '@nightglow/instrumentation-sidecar';
import { RECORD_STORE_NODE_OPTIONS } from '@nightglow/record-store';
import { launchLocalChromium } from '@nightglow/session-broker';
import { startFixtureSite } from '@nightglow/task-executor';
import type { PlatformEndpoints, ServiceEndpoint } from './endpoints-file.js';
import { isLoopback, type PlatformOptions } from './options.js';
import {
  commonEnv,
  dialHost,
  finishStart,
  neededPorts,
  stateEnv,
  stopParts,
  waitForPool,
  type Part,
  type Platform,
} from './platform.js';
import { freePort, planPorts } from './ports.js';

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

/** The compiled entry point of a service (the repository's layout; `npx tsc -b` builds it). */
export function serviceMain(service: string): string {
  return fileURLToPath(new URL(`../../../services/${service}/dist/main.js`, import.meta.url));
}

/** A supervised child process. */
type Child = {
  readonly name: string;
  readonly exited: Promise<string>;
  /** SIGTERM, then SIGKILL after the timeout; resolves true when it exited on SIGTERM with code 0. */
  stop(): Promise<boolean>;
};

function tail(file: string, lines = 5): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function spawnService(
  name: string,
  script: string,
  args: readonly string[],
  env: Record<string, string>,
  logDir: string,
): Child {
  if (!existsSync(script)) throw new Error(`${script} is missing: build the services first (npx tsc -b)`);
  const logFile = join(logDir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child: ChildProcess = spawn(process.execPath, [script, ...args], {
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  let stopping = false;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const exited = exit.then(({ code, signal }) => {
    const how = signal === null ? `exited with code ${code ?? '?'}` : `was killed by ${signal}`;
    return stopping ? '' : `${name} ${how}; last log lines:\n${tail(logFile)}`;
  });
  return {
    name,
    exited,
    stop: async () => {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode === 0;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const { code } = await exit;
      clearTimeout(timer);
      return code === 0;
    },
  };
}

/** Polls `url` (a `/readyz`) until it answers 200, failing early if `child` dies. */
async function waitReady(child: Child, url: string): Promise<void> {
  let died: string | undefined;
  void child.exited.then((why) => (died = why || `${child.name} stopped`));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (died !== undefined) throw new Error(`${child.name} did not start: ${died}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
      last = `HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${child.name} not ready within ${READY_TIMEOUT_MS} ms at ${url} (${last})`);
}

/** Starts every part as its own process; on failure stops what started and rethrows. */
export async function startProcesses(o: PlatformOptions): Promise<Platform> {
  const t0 = performance.now();
  const logDir = join(o.home, 'logs');
  await mkdir(logDir, { recursive: true });
  const parts: Part[] = [];
  const children: Child[] = [];
  const dial = dialHost(o.host);
  const plan = await planPorts(o.host, o.ports, neededPorts(o));
  const common = commonEnv(o);
  const service = (grpc: number, http: number): ServiceEndpoint => ({
    grpc: `${dial}:${grpc}`,
    http: `http://${dial}:${http}`,
  });
  const run = async (name: string, dir: string, env: Record<string, string>, http: number, args: string[] = []) => {
    const child = spawnService(name, serviceMain(dir), args, { ...common, ...env }, logDir);
    children.push(child);
    parts.push({ name, stop: () => child.stop() });
    await waitReady(child, `http://${dial}:${http}/readyz`);
  };
  try {
    const apiKey = isLoopback(o.host) ? undefined : `ngk_${randomBytes(24).toString('base64url')}`;
    await run(
      'record-store',
      'record-store',
      {
        GRPC_PORT: String(plan.recordStoreGrpc),
        HTTP_PORT: String(plan.recordStoreHttp),
        CONSUMER_GROUP: `${o.topicPrefix}.record-store`,
        SEAL_GRACE: '3s',
        NODE_OPTIONS: RECORD_STORE_NODE_OPTIONS,
        ...(o.databaseUrl === undefined ? { PGLITE_DIR: join(o.home, 'records') } : { DATABASE_URL: o.databaseUrl }),
        ...(apiKey === undefined ? { AUTH_DISABLED: 'true' } : { ADMIN_API_KEY: apiKey }),
      },
      plan.recordStoreHttp,
    );

    // Browser "pods": Chromium + its sidecar, the gateway guarded by a shared secret.
    const profiles = join(o.home, 'browsers');
    const gatewaySecret = randomBytes(24).toString('base64url');
    const staticEndpoints: { id: string; url: string; headers: Record<string, string>; sidecarAddress: string }[] = [];
    const sidecars: ServiceEndpoint[] = [];
    for (let i = 0; i < o.browsers; i++) {
      const id = `browser-${i}`;
      const browser = await launchLocalChromium({
        executable: o.chromiumPath,
        userDataDir: join(profiles, `${id}-${process.pid}`),
        extraArgs: [],
        proxyServer: '',
        noSandbox: process.getuid?.() === 0,
        timeoutMs: 30_000,
      });
      parts.push({ name: `chromium ${id}`, stop: () => browser.kill() });
      const [grpc, http, gateway] = [await freePort(o.host), await freePort(o.host), await freePort(o.host)];
      await run(
        `sidecar-${id}`,
        'instrumentation-sidecar',
        {
          GRPC_PORT: String(grpc),
          HTTP_PORT: String(http),
          CDP_URL: browser.wsUrl,
          CDP_GATEWAY_PORT: String(gateway),
          CDP_GATEWAY_SECRET: gatewaySecret,
          SIDECAR_ID: id,
          SIDECAR_POOL: 'default',
        },
        http,
      );
      sidecars.push(service(grpc, http));
      staticEndpoints.push({
        id,
        url: `http://${dial}:${gateway}`,
        headers: { [SECRET_HEADER]: gatewaySecret },
        sidecarAddress: `${dial}:${grpc}`,
      });
    }

    const tokenSecret = randomBytes(24).toString('base64url');
    const callerKey = randomBytes(24).toString('base64url');
    const pools = {
      pools: [
        {
          name: 'default',
          source: 'static',
          maxSessions: Math.min(o.maxSessions, o.browsers * 5),
          maxQueued: 100,
          sessionsPerBrowser: 5,
          static: { endpoints: staticEndpoints },
        },
      ],
    };
    await run(
      'session-broker',
      'session-broker',
      {
        ...stateEnv(o, 'nightglow:broker:'),
        GRPC_PORT: String(plan.brokerGrpc),
        HTTP_PORT: String(plan.brokerHttp),
        POOLS: JSON.stringify(pools),
        TOKEN_SECRET: tokenSecret,
        TRUSTED_CALLER_KEYS: callerKey,
      },
      plan.brokerHttp,
    );
    await run(
      'task-executor',
      'task-executor',
      {
        ...stateEnv(o, 'nightglow:executor:'),
        GRPC_PORT: String(plan.executorGrpc),
        HTTP_PORT: String(plan.executorHttp),
        SESSION_SOURCE: 'broker',
        BROKER_URL: `http://${dial}:${plan.brokerGrpc}`,
        BROKER_CALLER_KEY: callerKey,
      },
      plan.executorHttp,
    );
    let operator: PlatformEndpoints['services']['operator'];
    if (o.kubeconfig !== undefined) {
      await run(
        'operator',
        'operator',
        {
          KUBECONFIG: o.kubeconfig,
          ...(apiKey === undefined ? {} : { RECORD_STORE_API_KEY: apiKey }),
          BROKER_URL: `http://${dial}:${plan.brokerGrpc}`,
          EXECUTOR_URL: `http://${dial}:${plan.executorGrpc}`,
          RECORD_STORE_URL: `http://${dial}:${plan.recordStoreGrpc}`,
        },
        plan.operatorProbes,
        [
          `--metrics-bind-address=${o.host}:${plan.operatorMetrics}`,
          `--health-probe-bind-address=${o.host}:${plan.operatorProbes}`,
        ],
      );
      operator = { metrics: `http://${dial}:${plan.operatorMetrics}`, probes: `${dial}:${plan.operatorProbes}` };
    }
    let demoSite: string | undefined;
    if (o.demoSite) {
      const site = await startFixtureSite({ host: o.host, port: plan.demoSite });
      parts.push({ name: 'demo site', stop: () => site.stop() });
      demoSite = `http://${dial}:${site.port}`;
    }
    await waitForPool(`${dial}:${plan.brokerGrpc}`, { warm: 0, ready: o.browsers }, READY_TIMEOUT_MS);

    const endpoints: PlatformEndpoints = {
      version: 1,
      pid: process.pid,
      mode: 'processes',
      startedAt: new Date().toISOString(),
      services: {
        broker: service(plan.brokerGrpc, plan.brokerHttp),
        executor: service(plan.executorGrpc, plan.executorHttp),
        recordStore: {
          ...service(plan.recordStoreGrpc, plan.recordStoreHttp),
          ...(apiKey === undefined ? {} : { apiKey }),
        },
        sidecars,
        ...(operator === undefined ? {} : { operator }),
      },
      ...(demoSite === undefined ? {} : { demoSite }),
    };
    const failed = Promise.race(
      children.map((c) => c.exited.then((why) => (why === '' ? new Promise<string>(() => undefined) : why))),
    );
    return await finishStart(o, { endpoints, parts, logs: logDir, profiles, startedAt: t0, failed });
  } catch (e) {
    await stopParts(parts);
    throw e;
  }
}

/**
 * The platform in one Node process: record store, session broker (local
 * Chromium, prewarmed, a sidecar attached to every browser it launches), task
 * executor, optionally the operator, and the demo site, sharing one
 * in-process event bus (or Kafka when brokers are given). Services log to
 * `<home>/logs/platform.log`. Stop drains the executor first and the record
 * store last, so the last task's events are kept.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createMemoryBus, type EventBus } from '@nightglow/bus';
import { createInstrumentationSidecarService } from '@nightglow/instrumentation-sidecar';
import { operatorService } from '@nightglow/operator';
import { createRecordStoreService } from '@nightglow/record-store';
import { startService, type StartOptions } from '@nightglow/runtime';
import { createSessionBrokerService } from '@nightglow/session-broker';
import { createTaskExecutorService, startFixtureSite } from '@nightglow/task-executor';
import type { PlatformEndpoints } from './endpoints-file.js';
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
import { planPorts, STANDARD_PORTS, type PortPlan } from './ports.js';
import { createSidecarRegistry, type SidecarLauncher } from './sidecars.js';

const WARM_TIMEOUT_MS = 60_000;

/** The default pool of the all-in-one: local Chromium, CONTEXT sessions, `prewarm` browsers waiting. */
export function localPoolsYaml(o: PlatformOptions): string {
  return JSON.stringify({
    pools: [
      {
        name: 'default',
        source: 'local',
        maxSessions: o.maxSessions,
        maxQueued: 100,
        sessionsPerBrowser: 5,
        local: { prewarm: o.prewarm },
      },
    ],
  });
}

/** Starts every part in this process; on failure stops what started and rethrows. */
export async function startInProcess(o: PlatformOptions): Promise<Platform> {
  const t0 = performance.now();
  const logs = join(o.home, 'logs', 'platform.log');
  await mkdir(join(o.home, 'logs'), { recursive: true });
  const logStream = createWriteStream(logs, { flags: 'a' });
  const startOpts: StartOptions = { logDestination: logStream };
  const parts: Part[] = [{ name: 'log file', stop: () => new Promise((r) => logStream.end(r)) }];
  const standard = o.ports === 'standard';
  if (standard) await planPorts(o.host, 'standard', neededPorts(o));
  const port = (key: keyof PortPlan): string => (standard ? String(STANDARD_PORTS[key]) : '0');
  const dial = dialHost(o.host);
  const common = commonEnv(o);
  try {
    let bus: EventBus | undefined;
    if (o.kafkaBrokers.length === 0) {
      const memory = createMemoryBus({ topicPrefix: o.topicPrefix, retainMessages: 10_000 });
      parts.push({ name: 'event bus', stop: () => memory.close() });
      bus = memory;
    }
    const withBus = bus === undefined ? {} : { bus };

    const apiKey = isLoopback(o.host) ? undefined : `ngk_${randomBytes(24).toString('base64url')}`;
    const recordStore = await startService(
      createRecordStoreService(withBus),
      {
        ...common,
        GRPC_PORT: port('recordStoreGrpc'),
        HTTP_PORT: port('recordStoreHttp'),
        CONSUMER_GROUP: `${o.topicPrefix}.record-store`,
        SEAL_GRACE: o.kafkaBrokers.length > 0 ? '3s' : '1s',
        ...(o.databaseUrl === undefined ? { PGLITE_DIR: join(o.home, 'records') } : { DATABASE_URL: o.databaseUrl }),
        ...(apiKey === undefined ? { AUTH_DISABLED: 'true' } : { ADMIN_API_KEY: apiKey }),
      },
      startOpts,
    );
    parts.push({ name: 'record store', stop: () => recordStore.stop() });

    const launchSidecar: SidecarLauncher = async (endpoint, pool) => {
      const sidecar = await startService(
        createInstrumentationSidecarService(withBus),
        {
          ...common,
          GRPC_PORT: '0',
          HTTP_PORT: '0',
          CDP_URL: endpoint.wsUrl,
          SIDECAR_ID: `${endpoint.id}-${process.pid}`,
          SIDECAR_POOL: pool,
        },
        startOpts,
      );
      return {
        browserId: endpoint.id,
        grpc: `${dial}:${sidecar.server.grpcPort}`,
        http: `http://${dial}:${sidecar.server.httpPort}`,
        stop: async () => {
          await sidecar.stop();
        },
      };
    };
    const sidecars = createSidecarRegistry(launchSidecar, (id, e) =>
      logStream.write(`${JSON.stringify({ msg: 'sidecar did not stop cleanly', browser: id, err: String(e) })}\n`),
    );
    const tokenSecret = randomBytes(24).toString('base64url');
    const callerKey = randomBytes(24).toString('base64url');
    const profiles = join(o.home, 'browsers');
    const broker = await startService(
      createSessionBrokerService({ ...withBus, decorateSource: sidecars.decorate }),
      {
        ...common,
        ...stateEnv(o, 'nightglow:broker:'),
        GRPC_PORT: port('brokerGrpc'),
        HTTP_PORT: port('brokerHttp'),
        POOLS: localPoolsYaml(o),
        LOCAL_DATA_DIR: profiles,
        CHROMIUM_PATH: o.chromiumPath,
        TOKEN_SECRET: tokenSecret,
        TRUSTED_CALLER_KEYS: callerKey,
      },
      startOpts,
    );
    parts.push({ name: 'session broker', stop: () => broker.stop() });
    const brokerGrpc = `${dial}:${broker.server.grpcPort}`;

    const executor = await startService(
      createTaskExecutorService(withBus),
      {
        ...common,
        ...stateEnv(o, 'nightglow:executor:'),
        GRPC_PORT: port('executorGrpc'),
        HTTP_PORT: port('executorHttp'),
        SESSION_SOURCE: 'broker',
        BROKER_URL: `http://${brokerGrpc}`,
        BROKER_CALLER_KEY: callerKey,
      },
      startOpts,
    );
    parts.push({ name: 'task executor', stop: () => executor.stop() });

    let operator: PlatformEndpoints['services']['operator'];
    if (o.kubeconfig !== undefined) {
      const metrics = `${o.host}:${port('operatorMetrics')}`;
      const probes = `${o.host}:${port('operatorProbes')}`;
      const op = await startService(
        operatorService([`--metrics-bind-address=${metrics}`, `--health-probe-bind-address=${probes}`]),
        {
          ...common,
          KUBECONFIG: o.kubeconfig,
          ...(apiKey === undefined ? {} : { RECORD_STORE_API_KEY: apiKey }),
          BROKER_URL: `http://${brokerGrpc}`,
          EXECUTOR_URL: `http://${dial}:${executor.server.grpcPort}`,
          RECORD_STORE_URL: `http://${dial}:${recordStore.server.grpcPort}`,
        },
        startOpts,
      );
      parts.push({ name: 'operator', stop: () => op.stop() });
      operator = { metrics: `http://${dial}:${op.server.httpPort}`, probes };
    }

    let demoSite: string | undefined;
    if (o.demoSite) {
      const site = await startFixtureSite({ host: o.host, port: Number(port('demoSite')) });
      parts.push({ name: 'demo site', stop: () => site.stop() });
      demoSite = `http://${dial}:${site.port}`;
    }

    await waitForPool(brokerGrpc, { warm: o.prewarm, ready: 0 }, WARM_TIMEOUT_MS);
    const service = (s: { server: { grpcPort: number; httpPort: number } }) => ({
      grpc: `${dial}:${s.server.grpcPort}`,
      http: `http://${dial}:${s.server.httpPort}`,
    });
    const endpoints: PlatformEndpoints = {
      version: 1,
      pid: process.pid,
      mode: 'in-process',
      startedAt: new Date().toISOString(),
      services: {
        broker: service(broker),
        executor: service(executor),
        recordStore: { ...service(recordStore), ...(apiKey === undefined ? {} : { apiKey }) },
        sidecars: sidecars.list().map((s) => ({ grpc: s.grpc, http: s.http })),
        ...(operator === undefined ? {} : { operator }),
      },
      ...(demoSite === undefined ? {} : { demoSite }),
    };
    return await finishStart(o, {
      endpoints,
      parts,
      logs,
      profiles,
      startedAt: t0,
      failed: new Promise<string>(() => undefined),
    });
  } catch (e) {
    await stopParts(parts);
    throw e;
  }
}

/**
 * The task-executor as a runtime service definition: wires the ports named by
 * the configuration (state store, event bus, session source, sidecar phase
 * marks) into the executor and serves `nightglow.executor.v1.TaskExecutor`.
 * Tests and the all-in-one may pass their own ports.
 */
import { hostname } from 'node:os';
import { createKafkaBus, createMemoryBus, type EventBus } from '@nightglow/bus';
import { TaskExecutor } from '@nightglow/contracts/executor/v1';
import { registration, systemClock, type Clock, type ServiceDefinition } from '@nightglow/runtime';
import { loadConfig, type ExecutorConfig } from './config.js';
import { createExecutorMetrics } from './metrics.js';
import { createSidecarPhaseMarker, type PhaseMarker } from './phase/phase-marker.js';
import { taskExecutorImpl } from './rpc/task-executor-impl.js';
import { createExecutor } from './run/executor.js';
import { createTaskEvents } from './run/task-events.js';
import { createBrokerSessionProvider } from './sessions/broker-provider.js';
import { createDirectSessionProvider } from './sessions/direct-provider.js';
import type { SessionProvider } from './sessions/port.js';
import { createMemoryStore } from './store/memory-store.js';
import type { TaskStore } from './store/port.js';
import { createRedisStore } from './store/redis-store.js';
import { createTemplateRegistry } from './templates/template-registry.js';

/** Ports to use instead of the ones the configuration names (tests, all-in-one). */
export type ExecutorPorts = {
  readonly sessions?: SessionProvider;
  readonly store?: TaskStore;
  readonly bus?: EventBus;
  readonly phases?: PhaseMarker;
  readonly clock?: Clock;
  /** Randomness of human-like input. Default Math.random. */
  readonly rng?: () => number;
};

/** The service version reported in event sources. */
export const EXECUTOR_VERSION = '0.1.0';

/** A task-executor definition using `ports` where given; injected ports are not closed by the service. */
export function createTaskExecutorService(ports: ExecutorPorts = {}): ServiceDefinition<ExecutorConfig> {
  return {
    name: 'task-executor',
    version: EXECUTOR_VERSION,
    loadConfig,
    build: async ({ config, logger, metrics, tracing }) => {
      const clock = ports.clock ?? systemClock;
      const owned: (() => Promise<void>)[] = [];
      const store =
        ports.store ??
        (config.state.kind === 'redis'
          ? await createRedisStore({ url: config.state.url, logger, retentionMs: config.retentionMs })
          : createMemoryStore({ retentionMs: config.retentionMs, clock }));
      if (!ports.store) owned.push(() => store.close());
      let bus = ports.bus;
      if (!bus) {
        const b = config.bus;
        const created =
          b.kind === 'kafka'
            ? createKafkaBus({ brokers: b.brokers, clientId: b.clientId, topicPrefix: b.topicPrefix, logger })
            : createMemoryBus({ topicPrefix: b.topicPrefix });
        if (b.kind === 'kafka') await (created as ReturnType<typeof createKafkaBus>).start();
        owned.push(() => created.close());
        bus = created;
      }
      const s = config.sessions;
      const sessions =
        ports.sessions ??
        (s.kind === 'cdp'
          ? await createDirectSessionProvider(s.cdpEndpoint)
          : createBrokerSessionProvider({
              baseUrl: s.brokerUrl,
              tracing,
              logger,
              ...(s.callerKey === undefined ? {} : { callerKey: s.callerKey }),
            }));
      if (!ports.sessions) owned.push(() => sessions.close());
      const m = createExecutorMetrics(metrics.registry);
      const phases =
        ports.phases ??
        createSidecarPhaseMarker({
          tracing,
          logger,
          timeoutMs: config.phaseMarkTimeoutMs,
          onFailure: () => m.phaseMarkFailures.inc(),
        });
      const source = { service: 'task-executor', instance: `${hostname()}:${process.pid}`, version: EXECUTOR_VERSION };
      const events = createTaskEvents({ bus, store, source, clock, logger });
      const executor = createExecutor({
        store,
        sessions,
        phases,
        events,
        clock,
        logger,
        metrics: m,
        rng: ports.rng ?? Math.random,
        concurrency: config.taskConcurrency,
        queueLimit: config.queueLimit,
        allowEvaluate: config.allowEvaluate,
        replica: { id: config.replicaId, timeoutMs: config.replicaTimeoutMs },
      });
      await executor.start();
      const templates = createTemplateRegistry(store, clock);
      return {
        services: [registration(TaskExecutor, taskExecutorImpl(executor, templates))],
        close: async () => {
          await executor.close();
          for (const close of owned.reverse())
            await close().catch((e: unknown) => logger.warn({ err: e }, 'close failed'));
        },
      };
    },
  };
}

/** The task-executor, ready for `runService` (its `main.ts`) or `startService` (tests, all-in-one). */
export const taskExecutorService: ServiceDefinition<ExecutorConfig> = createTaskExecutorService();

/**
 * The session-broker as a runtime service definition: picks the real ports
 * from the configuration (memory or Redis state, in-process or Kafka bus,
 * browser sources, CDP connector, sidecar notifier) and serves the broker's
 * RPCs and its CDP proxy (the HTTP port's upgrade hook). Tests replace ports
 * through {@link BrokerOverrides}, e.g. a manual clock.
 */
import { hostname } from 'node:os';
import { createKafkaBus, createMemoryBus, type EventBus } from '@nightglow/bus';
import { SessionBroker } from '@nightglow/contracts/broker/v1';
import { registration, systemClock, type Clock, type Logger, type ServiceDefinition } from '@nightglow/runtime';
import { createBroker } from './broker.js';
import { connectBrowserAgent, type BrowserAgent } from './browsers/browser-agent.js';
import { createSourceFactory, type SourceFactory } from './browsers/source-factory.js';
import type { BrowserEndpoint, BrowserSource } from './browsers/source.js';
import { loadConfig, type BrokerConfig } from './config.js';
import type { PoolConfig } from './pools/pool-config.js';
import { createBusPublisher } from './events/bus-events.js';
import { createSidecarNotifier, type SidecarNotifier } from './sessions/sidecar.js';
import { createTokenAuthority } from './sessions/tokens.js';
import { createMemoryBackend } from './store/memory-store.js';
import type { StateBackend } from './store/port.js';
import { createRedisBackend } from './store/redis-store.js';

/** Ports a test or an embedding host may replace. */
export type BrokerOverrides = {
  readonly clock?: Clock;
  readonly bus?: EventBus;
  readonly sourceFor?: SourceFactory;
  /**
   * Wraps each pool's source (the real one or `sourceFor`'s), e.g. the all-in-one
   * attaching an instrumentation sidecar to every local browser it launches.
   */
  readonly decorateSource?: (source: BrowserSource, pool: PoolConfig) => BrowserSource;
  readonly connect?: (endpoint: BrowserEndpoint) => Promise<BrowserAgent>;
  readonly sidecars?: SidecarNotifier;
};

const VERSION = '0.1.0';

async function openBackend(config: BrokerConfig, clock: Clock, logger: Logger): Promise<StateBackend> {
  if (config.state.kind === 'memory') return createMemoryBackend({ now: () => clock.now() });
  return createRedisBackend({
    url: config.state.url,
    keyPrefix: config.redisKeyPrefix,
    onError: (e) => logger.warn({ err: e }, 'redis'),
  });
}

async function openBus(config: BrokerConfig, logger: Logger): Promise<EventBus> {
  // Nothing consumes a standalone broker's in-process bus: keep little history for late subscribers.
  if (config.bus.kind === 'memory')
    return createMemoryBus({ topicPrefix: config.bus.topicPrefix, retainMessages: 1_000 });
  const bus = createKafkaBus({
    brokers: config.bus.brokers,
    clientId: config.bus.clientId,
    topicPrefix: config.bus.topicPrefix,
    logger,
  });
  await bus.start();
  return bus;
}

function decorated(factory: SourceFactory, overrides: BrokerOverrides): SourceFactory {
  const decorate = overrides.decorateSource;
  return decorate === undefined ? factory : (pool) => decorate(factory(pool), pool);
}

/** `0.0.0.0`/`::` are not addresses others can dial: advertise the host name instead. */
function dialableHost(bindHost: string): string {
  if (bindHost === '0.0.0.0' || bindHost === '::' || bindHost === '') return hostname();
  return bindHost.includes(':') ? `[${bindHost}]` : bindHost;
}

/** Builds the service definition, with `overrides` replacing real ports. */
export function createSessionBrokerService(overrides: BrokerOverrides = {}): ServiceDefinition<BrokerConfig> {
  return {
    name: 'session-broker',
    version: VERSION,
    loadConfig,
    build: async ({ config, logger, metrics, tracing, ports }) => {
      const clock = overrides.clock ?? systemClock;
      const backend = await openBackend(config, clock, logger);
      const bus =
        overrides.bus ??
        (await openBus(config, logger).catch(async (e: unknown) => {
          await backend.close();
          throw e;
        }));
      const address = (): string =>
        config.advertiseAddress ?? `${dialableHost(config.server.host)}:${ports()?.httpPort ?? config.server.httpPort}`;
      const secret = config.tokenSecret ?? (await backend.sessions.tokenSecret());
      const source = { service: 'session-broker', instance: `${hostname()}:${process.pid}`, version: VERSION };
      const broker = createBroker({
        config,
        backend,
        observers: [createBusPublisher(bus, source, logger)],
        clock,
        logger,
        metrics,
        tokens: createTokenAuthority(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret),
        identity: { id: config.replicaId, address, cdpBase: () => config.publicCdpUrl ?? `ws://${address()}` },
        sourceFor: decorated(overrides.sourceFor ?? createSourceFactory(config, { clock, logger }), overrides),
        connect:
          overrides.connect ??
          ((ep) => connectBrowserAgent(ep, { onSetupError: (e) => logger.debug({ err: e }, 'page setup failed') })),
        sidecars: overrides.sidecars ?? createSidecarNotifier({ tracing, logger }),
      });
      const shutdown = async (): Promise<void> => {
        await broker.close();
        if (overrides.bus === undefined) await bus.close();
        await backend.close();
      };
      await broker.start().catch(async (e: unknown) => {
        await shutdown();
        throw e;
      });
      return {
        services: [registration(SessionBroker, broker.handlers)],
        httpUpgrade: broker.httpUpgrade,
        readinessChecks: [async () => (bus.state() === 'READY' ? undefined : `event bus is ${bus.state()}`)],
        close: shutdown,
      };
    },
  };
}

/** The session-broker, ready for `runService` (its `main.ts`) or `startService` (tests, all-in-one). */
export const sessionBrokerService: ServiceDefinition<BrokerConfig> = createSessionBrokerService();

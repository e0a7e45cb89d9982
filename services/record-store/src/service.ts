/**
 * The record-store as a runtime service definition: builds the database
 * (PostgreSQL when `DATABASE_URL` is set, else PGlite in `PGLITE_DIR`), the
 * event bus (Kafka or in-process), the domain, the consumer-lag probe and the
 * readiness check. `createRecordStoreService(overrides)` lets the all-in-one
 * share its in-process bus, and tests inject a database, bus or Clock.
 */
import { createKafkaBus, createMemoryBus, topicName, BUS_TOPICS, TOPIC_SUFFIXES, type EventBus } from '@nightglow/bus';
import { systemClock, type Clock, type Logger, type ServiceDefinition } from '@nightglow/runtime';
import { loadConfig, type RecordStoreConfig } from './config.js';
import { createPgDb } from './db/pg-db.js';
import { createPgliteDb } from './db/pglite-db.js';
import type { RecordDb } from './db/port.js';
import { createLagProbe, type LagProbe } from './ingest/lag-probe.js';
import { createRecordMetrics, type RecordMetrics } from './metrics.js';
import { createRecordStore } from './record-store.js';

/** Parts to use instead of the ones the config describes (each is then the caller's to close). */
export type RecordStoreOverrides = { readonly db?: RecordDb; readonly bus?: EventBus; readonly clock?: Clock };

async function openDb(config: RecordStoreConfig, logger: Logger): Promise<RecordDb> {
  if (config.databaseUrl !== undefined) {
    return createPgDb({
      url: config.databaseUrl,
      maxConnections: config.databasePoolSize,
      onError: (e) => logger.warn({ err: e }, 'database connection error'),
    });
  }
  return createPgliteDb({ dataDir: config.pgliteDir, sharedBuffersBytes: config.pgliteSharedBuffersBytes });
}

/**
 * Kafka fetch size per partition (compressed bytes). The bus decodes a whole
 * fetch before the handler sees it, in one go on the event loop; at the bus's
 * 1 MiB default that is ~15,000 gzip'd measurement events and a few hundred
 * milliseconds during which no live tail is served. Half of it keeps the
 * WatchEvents lag down at full ingest rate and still amortizes each fetch.
 */
const FETCH_BYTES_PER_PARTITION = 512 * 1024;

async function openBus(config: RecordStoreConfig, logger: Logger): Promise<EventBus> {
  if (config.bus.kind === 'memory') return createMemoryBus({ topicPrefix: config.bus.topicPrefix });
  const bus = createKafkaBus({
    brokers: config.bus.brokers,
    clientId: config.bus.clientId,
    topicPrefix: config.bus.topicPrefix,
    logger,
    consumer: {
      sessionTimeoutMs: config.consumerSessionTimeoutMs,
      joinTimeoutMs: 15_000,
      heartbeatIntervalMs: Math.min(3_000, Math.floor(config.consumerSessionTimeoutMs / 3)),
      partitionsConsumedConcurrently: config.ingestConcurrency,
      maxBytesPerPartition: FETCH_BYTES_PER_PARTITION,
    },
  });
  await bus.start();
  return bus;
}

function lagProbe(
  config: RecordStoreConfig,
  clock: Clock,
  metrics: RecordMetrics,
  logger: Logger,
): LagProbe | undefined {
  if (config.bus.kind !== 'kafka') return undefined;
  const prefix = config.bus.topicPrefix;
  return createLagProbe({
    brokers: config.bus.brokers,
    clientId: config.bus.clientId,
    groupId: config.consumerGroup,
    topics: BUS_TOPICS.map((t) => ({ name: topicName(t, prefix), label: TOPIC_SUFFIXES[t] })),
    clock,
    intervalMs: config.lagIntervalMs,
    metrics,
    logger,
  });
}

/** The record-store definition, with optional injected parts. */
export function createRecordStoreService(overrides: RecordStoreOverrides = {}): ServiceDefinition<RecordStoreConfig> {
  return {
    name: 'record-store',
    loadConfig,
    build: async ({ config, logger, metrics }) => {
      const clock = overrides.clock ?? systemClock;
      const db = overrides.db ?? (await openDb(config, logger));
      const bus = overrides.bus ?? (await openBus(config, logger));
      const recordMetrics = createRecordMetrics(metrics.registry);
      const domain = createRecordStore({
        db,
        bus,
        clock,
        logger,
        metrics: recordMetrics,
        consumerGroup: config.consumerGroup,
        sealGraceMs: config.sealGraceMs,
        sealIntervalMs: config.sealIntervalMs,
        retention: config.retention,
        retentionIntervalMs: config.retentionIntervalMs,
        auth: { disabled: config.auth.disabled, adminApiKey: config.auth.adminApiKey?.reveal() },
        maxMessageBytes: config.server.maxMessageBytes,
      });
      await domain.start();
      const lag = lagProbe(config, clock, recordMetrics, logger);
      lag?.start();
      if (config.auth.disabled) logger.warn('AUTH_DISABLED=true: every caller is admin (embedded use only)');
      return {
        services: [domain.registration],
        readinessChecks: [
          async () =>
            await db.query('SELECT 1').then(
              () => undefined,
              () => 'database unreachable',
            ),
          async () => (domain.state() === 'RUNNING' ? undefined : `record store ${domain.state()}`),
        ],
        close: async () => {
          await lag?.close();
          await domain.close();
          if (!overrides.bus) await bus.close();
          if (!overrides.db) await db.close();
        },
      };
    },
  };
}

/** The record-store, ready for `runService` (its `main.ts`) or `startService` (tests, all-in-one). */
export const recordStoreService: ServiceDefinition<RecordStoreConfig> = createRecordStoreService();

/**
 * The record-store's configuration, read once from the environment by `main.ts`
 * and validated: a bad value stops start-up with a message naming the
 * variable. Variables are listed in this service's README. Secrets
 * (`ADMIN_API_KEY`) are wrapped so that logging the config prints `[redacted]`.
 */
import { createEnvReader, readEventBusConfig, readServerConfig } from '@nightglow/runtime';
import type { Env, EventBusConfig, ServerConfig } from '@nightglow/runtime';
import type { RetentionPolicy } from './retention/retention.js';

/** A secret value: `reveal()` gives it; JSON and string forms are `[redacted]`. */
export type Secret = { reveal(): string; toJSON(): string; toString(): string };

/** Wraps a secret value. */
export function secret(value: string): Secret {
  return { reveal: () => value, toJSON: () => '[redacted]', toString: () => '[redacted]' };
}

/** The validated configuration of the record-store. */
export type RecordStoreConfig = {
  readonly server: ServerConfig;
  readonly bus: EventBusConfig;
  /** `postgres://` URL; undefined → PGlite in `pgliteDir`. */
  readonly databaseUrl: string | undefined;
  readonly databasePoolSize: number;
  readonly pgliteDir: string;
  /** PGlite's `shared_buffers` in bytes (`PGLITE_SHARED_BUFFERS`); PGlite's own default, 128 MiB, is sized for a server. */
  readonly pgliteSharedBuffersBytes: number;
  /** Kafka consumer group of the ingest. */
  readonly consumerGroup: string;
  /** Kafka group session timeout: how long a crashed member holds its partitions. */
  readonly consumerSessionTimeoutMs: number;
  /**
   * Kafka partitions ingested at the same time (default 6, the topics'
   * partition count). Their writes still take the ingest lock one by one; what
   * overlaps is one partition's fetch and decoding with another's database
   * work, while the statements waiting for the lock queue in the server.
   */
  readonly ingestConcurrency: number;
  readonly sealGraceMs: number;
  readonly sealIntervalMs: number;
  readonly retention: RetentionPolicy;
  readonly retentionIntervalMs: number;
  readonly lagIntervalMs: number;
  readonly auth: { readonly disabled: boolean; readonly adminApiKey: Secret | undefined };
};

const HOUR = 3_600_000;

/** Reads and validates the record-store's configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: Env): RecordStoreConfig {
  const r = createEnvReader(env);
  const adminKey = r.optionalString('ADMIN_API_KEY');
  if (adminKey !== undefined && adminKey.length < 24) r.reject('ADMIN_API_KEY', 'must be at least 24 characters');
  const config: RecordStoreConfig = {
    server: readServerConfig(r, { grpcPort: 50054, httpPort: 8084 }),
    bus: readEventBusConfig(r, 'record-store'),
    databaseUrl: r.optionalUrl('DATABASE_URL', ['postgres:', 'postgresql:']),
    databasePoolSize: r.int('DATABASE_POOL_SIZE', { default: 10, min: 2, max: 200 }),
    pgliteDir: r.string('PGLITE_DIR', { default: './data/records' }),
    pgliteSharedBuffersBytes: r.bytes('PGLITE_SHARED_BUFFERS', { default: 16 * 1024 * 1024, min: 1024 * 1024 }),
    consumerGroup: r.string('CONSUMER_GROUP', { default: 'record-store' }),
    consumerSessionTimeoutMs: r.durationMs('CONSUMER_SESSION_TIMEOUT', { default: 30_000, min: 6_000 }),
    ingestConcurrency: r.int('INGEST_CONCURRENCY', { default: 6, min: 1, max: 64 }),
    sealGraceMs: r.durationMs('SEAL_GRACE', { default: 5_000, min: 0 }),
    sealIntervalMs: r.durationMs('SEAL_INTERVAL', { default: 1_000, min: 10 }),
    retention: {
      eventsMs: r.durationMs('RETENTION_EVENTS', { default: 720 * HOUR, min: 0 }),
      measurementsMs: r.durationMs('RETENTION_MEASUREMENTS', { default: 336 * HOUR, min: 0 }),
      recordsMs: r.durationMs('RETENTION_RECORDS', { default: 8760 * HOUR, min: 0 }),
      deadLettersMs: r.durationMs('RETENTION_DEAD_LETTERS', { default: 720 * HOUR, min: 0 }),
      resolvedAlertsMs: r.durationMs('RETENTION_RESOLVED_ALERTS', { default: 2160 * HOUR, min: 0 }),
    },
    retentionIntervalMs: r.durationMs('RETENTION_INTERVAL', { default: HOUR, min: 1000 }),
    lagIntervalMs: r.durationMs('CONSUMER_LAG_INTERVAL', { default: 15_000, min: 1000 }),
    auth: {
      disabled: r.bool('AUTH_DISABLED', { default: false }),
      adminApiKey: adminKey === undefined ? undefined : secret(adminKey),
    },
  };
  r.done();
  return config;
}

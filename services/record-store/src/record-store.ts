/**
 * The record store's domain, assembled from its ports (RecordDb, EventBus,
 * Clock): migrations, the Kafka ingest, the sealer, retention, the live tail
 * and the RecordStore RPC implementation.
 *
 * Lifecycle: `STARTING` (created; `start()` migrates, then joins the
 * consumer group, retrying with backoff while Kafka is unreachable) →
 * `RUNNING` (joined) → `STOPPING` (`close()`: the subscription stops after
 * its in-flight batch commits, the sealer and retention finish their pass,
 * live tails end) → `STOPPED`. The database and bus belong to the caller.
 */
import { BUS_TOPICS, type EventBus, type Subscription } from '@nightglow/bus';
import { RecordStore } from '@nightglow/contracts/records/v1';
import { registration, type Clock, type Logger, type ServiceRegistration } from '@nightglow/runtime';
import { createAuthenticator } from './auth/authenticator.js';
import { migrate } from './db/migrate.js';
import { MIGRATIONS } from './db/migrations.js';
import type { RecordDb } from './db/port.js';
import { createEventTail, type EventTail } from './events/event-tail.js';
import { createIngestHandler } from './ingest/ingest-batch.js';
import type { RecordMetrics } from './metrics.js';
import { createSealer, type Sealer } from './records/sealer.js';
import { createRetention, type Retention, type RetentionPolicy } from './retention/retention.js';
import { createGuard } from './rpc/guard.js';
import { readHandlers } from './rpc/read-handlers.js';
import { writeHandlers } from './rpc/write-handlers.js';

/** Lifecycle states of the record store. */
export type RecordStoreState = 'STARTING' | 'RUNNING' | 'STOPPING' | 'STOPPED';

/** Options of {@link createRecordStore}. */
export type RecordStoreOptions = {
  readonly db: RecordDb;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: RecordMetrics;
  readonly consumerGroup: string;
  readonly sealGraceMs: number;
  readonly sealIntervalMs: number;
  readonly retention: RetentionPolicy;
  readonly retentionIntervalMs: number;
  readonly auth: { readonly disabled: boolean; readonly adminApiKey: string | undefined };
  /** Largest response message. Default 4 MiB. */
  readonly maxMessageBytes?: number;
};

/** The running domain. */
export type RecordStoreDomain = {
  readonly registration: ServiceRegistration;
  readonly tail: EventTail;
  readonly sealer: Sealer;
  readonly retention: Retention;
  state(): RecordStoreState;
  /** Migrates, starts the sealer, retention and tail, and starts joining the consumer group (retried until it works). */
  start(): Promise<void>;
  /** Resolves once the ingest has joined its consumer group (state RUNNING). */
  subscribed(): Promise<void>;
  close(): Promise<void>;
};

/** Wires the domain (see the module comment). */
export function createRecordStore(o: RecordStoreOptions): RecordStoreDomain {
  let state: RecordStoreState = 'STARTING';
  let subscription: Subscription | undefined;
  const tail = createEventTail({ db: o.db, clock: o.clock });
  const sealer = createSealer({
    db: o.db,
    clock: o.clock,
    metrics: o.metrics,
    logger: o.logger,
    intervalMs: o.sealIntervalMs,
  });
  const retention = createRetention({
    db: o.db,
    clock: o.clock,
    policy: o.retention,
    intervalMs: o.retentionIntervalMs,
    metrics: o.metrics,
    logger: o.logger,
  });
  const auth = createAuthenticator({
    db: o.db,
    clock: o.clock,
    disabled: o.auth.disabled,
    bootstrapAdminKey: o.auth.adminApiKey,
  });
  const deps = {
    db: o.db,
    clock: o.clock,
    tail,
    metrics: o.metrics,
    sealGraceMs: o.sealGraceMs,
    maxMessageBytes: o.maxMessageBytes ?? 4 * 1024 * 1024,
    onCommitted: () => tail.wake(),
  };
  const guard = createGuard(auth);
  const stopping = new AbortController();
  let joining: Promise<void> | undefined;
  const join = async (): Promise<void> => {
    for (let attempt = 0; !stopping.signal.aborted; attempt++) {
      try {
        subscription = await o.bus.subscribe({
          groupId: o.consumerGroup,
          topics: BUS_TOPICS,
          fromBeginning: true,
          handler: createIngestHandler({ ...deps, onCommitted: () => tail.wake() }),
        });
        if (stopping.signal.aborted) return;
        state = 'RUNNING';
        return;
      } catch (e) {
        const waitMs = Math.min(10_000, 500 * 2 ** attempt);
        o.logger.warn({ err: e, retryInMs: waitMs }, 'record store: joining the consumer group failed; retrying');
        await o.clock.sleep(waitMs, stopping.signal).catch(() => undefined);
      }
    }
  };
  const impl = { ...readHandlers(deps, guard), ...writeHandlers(deps, guard) };
  return {
    registration: registration(RecordStore, impl),
    tail,
    sealer,
    retention,
    state: () => state,
    start: async () => {
      const m = await migrate(o.db, MIGRATIONS);
      o.logger.info({ applied: m.applied, schemaVersion: m.current, db: o.db.kind }, 'record store: schema ready');
      await tail.start();
      sealer.start();
      retention.start();
      joining = join();
    },
    subscribed: () => joining ?? Promise.reject(new Error('record store not started')),
    close: async () => {
      if (state === 'STOPPED' || state === 'STOPPING') return;
      state = 'STOPPING';
      stopping.abort();
      await joining?.catch(() => undefined);
      await subscription?.close();
      await Promise.all([sealer.close(), retention.close(), tail.close()]);
      state = 'STOPPED';
    },
  };
}

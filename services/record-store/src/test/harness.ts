/**
 * An in-process record store for integration tests: the domain over a given
 * database, an in-process bus, a manual Clock, and Connect clients over
 * `createRouterTransport` with any API key.
 */
import {
  createClient,
  createRouterTransport,
  type Client,
  type ConnectRouter,
  type Interceptor,
} from '@connectrpc/connect';
import { createMemoryBus, type MemoryBus } from '@nightglow/bus';
import type { Envelope } from '@nightglow/contracts/events/v1';
import { RecordStore } from '@nightglow/contracts/records/v1';
import { createLogger, createManualClock, type ManualClock } from '@nightglow/runtime';
import type { RecordDb } from '../db/port.js';
import { noMetrics } from '../metrics.js';
import { createRecordStore, type RecordStoreDomain } from '../record-store.js';

/** The bootstrap admin key of every harness. */
export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';

/** A running in-process record store. */
export type Harness = {
  readonly db: RecordDb;
  readonly bus: MemoryBus;
  readonly clock: ManualClock;
  readonly domain: RecordStoreDomain;
  /** A client sending `authorization: Bearer <key>` (none when key is undefined). */
  client(key?: string): Client<typeof RecordStore>;
  publish(envelopes: readonly Envelope[]): Promise<void>;
  /** Resolves once `SELECT count(*) FROM <table>` reaches `n` (rejects after 10 s). */
  waitForCount(table: string, n: number): Promise<void>;
  close(): Promise<void>;
};

/** Options of {@link startHarness}. */
export type HarnessOptions = {
  readonly sealGraceMs?: number;
  readonly startMs?: number;
  readonly consumerGroup?: string;
};

/** Starts the domain over `db` (migrating it). */
export async function startHarness(db: RecordDb, opts: HarnessOptions = {}): Promise<Harness> {
  const clock = createManualClock(opts.startMs ?? Date.now());
  const bus = createMemoryBus();
  const domain = createRecordStore({
    db,
    bus,
    clock,
    logger: createLogger({ service: 'record-store-test', level: 'silent' }),
    metrics: noMetrics,
    consumerGroup: opts.consumerGroup ?? 'record-store',
    sealGraceMs: opts.sealGraceMs ?? 5000,
    sealIntervalMs: 1000,
    retention: { eventsMs: 0, measurementsMs: 0, recordsMs: 0, deadLettersMs: 0, resolvedAlertsMs: 0 },
    retentionIntervalMs: 3_600_000,
    auth: { disabled: false, adminApiKey: ADMIN_KEY },
  });
  await domain.start();
  await domain.subscribed();
  const routes = (router: ConnectRouter): void => void router.service(RecordStore, domain.registration.impl as never);
  const auth: (key: string | undefined) => Interceptor = (key) => (next) => (req) => {
    if (key !== undefined) req.header.set('authorization', `Bearer ${key}`);
    return next(req);
  };
  return {
    db,
    bus,
    clock,
    domain,
    client: (key) =>
      createClient(RecordStore, createRouterTransport(routes, { transport: { interceptors: [auth(key)] } })),
    publish: async (envelopes) => {
      await bus.publish(envelopes);
      await bus.flush();
    },
    waitForCount: async (table, n) => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const r = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
        if (Number(r.rows[0]?.n) >= n) return;
        if (Date.now() > deadline) throw new Error(`${table} has ${r.rows[0]?.n} rows, want ${n}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close: async () => {
      await domain.close();
      await bus.close();
    },
  };
}

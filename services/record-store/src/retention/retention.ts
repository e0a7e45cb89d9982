/**
 * Retention: deletes data older than its configured age, per kind, on a
 * Clock-driven period. Sealed task records can only be deleted here: the
 * job's transaction sets `nightglow.retention = on`, which the sealing
 * trigger honours for DELETE (never for UPDATE). Deletes run in chunks so a
 * large backlog never holds long locks.
 *
 * Lifecycle: `IDLE` → `RUNNING` (`start()`) → `STOPPED` (`close()`).
 */
import type { Clock, Logger, TimerHandle } from '@nightglow/runtime';
import type { RecordDb } from '../db/port.js';
import type { RecordMetrics } from '../metrics.js';

/** Maximum ages in ms per kind of data; 0 keeps it forever. */
export type RetentionPolicy = {
  readonly eventsMs: number;
  readonly measurementsMs: number;
  readonly recordsMs: number;
  readonly deadLettersMs: number;
  readonly resolvedAlertsMs: number;
};

type Target = { kind: string; ageMs: (p: RetentionPolicy) => number; sql: string; sealed?: boolean };

const CHUNK = 5000;
const TARGETS: readonly Target[] = [
  {
    kind: 'events',
    ageMs: (p) => p.eventsMs,
    sql: `DELETE FROM events WHERE event_id IN (SELECT event_id FROM events WHERE time < to_timestamp($1 / 1000.0) LIMIT ${CHUNK})`,
  },
  {
    kind: 'measurements',
    ageMs: (p) => p.measurementsMs,
    sql: `DELETE FROM measurements WHERE event_id IN
            (SELECT event_id FROM measurements WHERE time < to_timestamp($1 / 1000.0) LIMIT ${CHUNK})`,
  },
  {
    kind: 'records',
    ageMs: (p) => p.recordsMs,
    sealed: true,
    sql: `DELETE FROM task_records WHERE id IN
            (SELECT id FROM task_records WHERE create_time < to_timestamp($1 / 1000.0) LIMIT ${CHUNK})`,
  },
  {
    kind: 'artifacts',
    ageMs: (p) => p.recordsMs,
    sql: `DELETE FROM artifacts WHERE id IN (SELECT id FROM artifacts WHERE create_time < to_timestamp($1 / 1000.0) LIMIT ${CHUNK})`,
  },
  {
    kind: 'dead_letters',
    ageMs: (p) => p.deadLettersMs,
    sql: `DELETE FROM dead_letters WHERE id IN
            (SELECT id FROM dead_letters WHERE ingest_time < to_timestamp($1 / 1000.0) LIMIT ${CHUNK})`,
  },
  {
    kind: 'alerts',
    ageMs: (p) => p.resolvedAlertsMs,
    sql: `DELETE FROM alerts WHERE fingerprint IN (SELECT fingerprint FROM alerts
            WHERE status = 3 AND last_seen_time < to_timestamp($1 / 1000.0) LIMIT ${CHUNK})`,
  },
];

/** The retention job. */
export type Retention = {
  start(): void;
  /** Runs one full pass now; resolves with rows deleted per kind. */
  runOnce(): Promise<Record<string, number>>;
  close(): Promise<void>;
};

/** Options of {@link createRetention}. */
export type RetentionOptions = {
  readonly db: RecordDb;
  readonly clock: Clock;
  readonly policy: RetentionPolicy;
  readonly intervalMs: number;
  readonly metrics: RecordMetrics;
  readonly logger: Pick<Logger, 'warn' | 'info'>;
};

/** Creates the retention job (see the module comment). */
export function createRetention(opts: RetentionOptions): Retention {
  let timer: TimerHandle | undefined;
  let running: Promise<Record<string, number>> | undefined;
  let stopped = false;

  const deleteKind = async (t: Target, cutoffMs: number): Promise<number> => {
    let total = 0;
    for (;;) {
      const n = await opts.db.transaction(async (tx) => {
        if (t.sealed) await tx.query(`SELECT set_config('nightglow.retention', 'on', true)`);
        return (await tx.query(t.sql, [cutoffMs])).rowCount;
      });
      total += n;
      if (n < CHUNK || stopped) return total;
    }
  };
  const pass = async (): Promise<Record<string, number>> => {
    const out: Record<string, number> = {};
    const nowMs = opts.clock.now();
    for (const t of TARGETS) {
      const age = t.ageMs(opts.policy);
      if (age <= 0) continue;
      out[t.kind] = await deleteKind(t, nowMs - age);
      if ((out[t.kind] ?? 0) > 0) opts.metrics.retentionDeleted(t.kind, out[t.kind] ?? 0);
    }
    return out;
  };
  const runOnce = (): Promise<Record<string, number>> => (running ??= pass().finally(() => (running = undefined)));
  const arm = (): void => {
    if (stopped) return;
    timer = opts.clock.setTimeout(() => {
      void runOnce()
        .then((deleted) => opts.logger.info({ deleted }, 'retention pass done'))
        .catch((e: unknown) => opts.logger.warn({ err: e }, 'retention pass failed'))
        .finally(arm);
    }, opts.intervalMs);
  };
  return {
    start: arm,
    runOnce,
    close: async () => {
      stopped = true;
      timer?.cancel();
      await running?.catch(() => undefined);
    },
  };
}

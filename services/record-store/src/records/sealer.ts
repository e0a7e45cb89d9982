/**
 * Sealing task records. A terminal task event leaves a row in
 * `pending_seals` due `SEAL_GRACE` later (late action events and
 * measurements still arrive meanwhile). The sealer wakes every
 * `intervalMs` on the Clock, takes due rows one at a time with `FOR UPDATE
 * SKIP LOCKED` (replicas share the work, none seals twice), assembles the
 * record from the task's stored events and inserts it with `ON CONFLICT
 * (task_id) DO NOTHING` in the same transaction that deletes the pending row.
 * Idempotent, and a restart finds the pending rows again in the database.
 *
 * Lifecycle: `IDLE` → `RUNNING` (`start()`) → `STOPPED` (`close()`, which waits for a running pass).
 */
import { toBinary } from '@bufbuild/protobuf';
import { decodeEnvelope } from '@nightglow/bus';
import { TaskRecordSchema } from '@nightglow/contracts/records/v1';
import type { Clock, Logger, TimerHandle } from '@nightglow/runtime';
import { v7 as uuidv7 } from 'uuid';
import type { Queryable, RecordDb } from '../db/port.js';
import type { RecordMetrics } from '../metrics.js';
import { assembleRecord } from './assemble.js';

/** Options of {@link createSealer}. */
export type SealerOptions = {
  readonly db: RecordDb;
  readonly clock: Clock;
  readonly metrics: RecordMetrics;
  readonly logger: Pick<Logger, 'warn' | 'error'>;
  /** How often due seals are looked for. Default 1000 ms. */
  readonly intervalMs?: number;
};

/** The sealer. */
export type Sealer = {
  start(): void;
  /** Seals every record due now, after any pass already running; resolves with how many this pass sealed. */
  sealDue(): Promise<number>;
  close(): Promise<void>;
};

async function sealOne(tx: Queryable, nowMs: number): Promise<'sealed' | 'none'> {
  const due = await tx.query<{ task_id: string; terminal_event_id: string }>(
    `SELECT task_id, terminal_event_id::text AS terminal_event_id FROM pending_seals
     WHERE due_time <= to_timestamp($1 / 1000.0) ORDER BY due_time LIMIT 1 FOR UPDATE SKIP LOCKED`,
    [nowMs],
  );
  const row = due.rows[0];
  if (!row) return 'none';
  const events = await tx.query<{ event_id: string; envelope: Uint8Array }>(
    `SELECT event_id::text AS event_id, envelope FROM events WHERE task_id = $1 ORDER BY time, seq`,
    [row.task_id],
  );
  const envelopes = events.rows.map((r) => decodeEnvelope(r.envelope));
  const terminal = envelopes[events.rows.findIndex((r) => r.event_id === row.terminal_event_id)];
  if (!terminal) throw new Error(`terminal event ${row.terminal_event_id} of task ${row.task_id} is missing`);
  const record = assembleRecord({ recordId: uuidv7(), sealMs: nowMs, terminal, events: envelopes });
  await tx.query(
    `INSERT INTO task_records (id, task_id, session_id, pool, state, template_name, labels, create_time,
                               finish_time, seal_time, record)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, to_timestamp($8 / 1000.0), to_timestamp($9 / 1000.0),
             to_timestamp($10 / 1000.0), $11)
     ON CONFLICT (task_id) DO NOTHING`,
    [
      record.id,
      record.taskId,
      record.sessionId,
      record.pool,
      record.state,
      record.templateName,
      JSON.stringify(record.labels),
      Number(record.createTime?.seconds ?? 0n) * 1000 + (record.createTime?.nanos ?? 0) / 1e6,
      Number(record.finishTime?.seconds ?? 0n) * 1000 + (record.finishTime?.nanos ?? 0) / 1e6,
      nowMs,
      toBinary(TaskRecordSchema, record),
    ],
  );
  await tx.query('DELETE FROM pending_seals WHERE task_id = $1', [row.task_id]);
  return 'sealed';
}

/** Creates the sealer (see the module comment). */
export function createSealer(opts: SealerOptions): Sealer {
  const intervalMs = opts.intervalMs ?? 1000;
  let timer: TimerHandle | undefined;
  let chain: Promise<number> = Promise.resolve(0);
  let stopped = false;

  const postpone = async (nowMs: number): Promise<void> => {
    await opts.db.query(
      `UPDATE pending_seals SET attempts = attempts + 1, due_time = to_timestamp($1 / 1000.0) + interval '1 minute'
       WHERE task_id = (SELECT task_id FROM pending_seals WHERE due_time <= to_timestamp($1 / 1000.0)
                        ORDER BY due_time LIMIT 1)`,
      [nowMs],
    );
  };

  const pass = async (): Promise<number> => {
    let sealed = 0;
    while (!stopped) {
      const nowMs = opts.clock.now();
      try {
        if ((await opts.db.transaction((tx) => sealOne(tx, nowMs))) === 'none') break;
        sealed++;
      } catch (e) {
        opts.logger.error({ err: e }, 'sealing a task record failed; retrying in a minute');
        await postpone(nowMs).catch(() => undefined);
        break;
      }
    }
    if (sealed > 0) opts.metrics.sealed(sealed);
    return sealed;
  };

  const sealDue = (): Promise<number> => (chain = chain.catch(() => 0).then(pass));
  const arm = (): void => {
    if (stopped) return;
    timer = opts.clock.setTimeout(() => {
      void sealDue()
        .catch((e: unknown) => opts.logger.warn({ err: e }, 'seal pass failed'))
        .finally(arm);
    }, intervalMs);
  };
  return {
    start: arm,
    sealDue,
    close: async () => {
      stopped = true;
      timer?.cancel();
      await chain.catch(() => undefined);
    },
  };
}

/**
 * The one write path for events, from Kafka and from IngestEvents alike.
 * Every ingest transaction takes the ingest lock before its first insert and
 * holds it until COMMIT, so `events.seq` grows in commit order (which the live
 * tail relies on), and NOTIFYs `nightglow_events` (delivered at COMMIT, to
 * every replica).
 *
 * `storeEvents` writes events that need nothing but their events and
 * measurement rows — nearly all of them — as one autocommit statement (see
 * `INSERT_EVENTS_LOCKED`): the lock is then held only while the server runs
 * that statement, never across a round trip to this process, whose event loop
 * may be busy decoding the next fetch. Anything else (dead letters, alert
 * folds, artifacts, pending seals) goes through `writeEvents` in a
 * transaction: it builds the column arrays first, then takes the lock and,
 * per chunk of 1000, inserts events and measurement rows in one statement,
 * then for the new events the alert folds, artifacts and pending seals.
 */
import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { Queryable, RecordDb } from '../db/port.js';
import { foldAlert } from '../alerts/alert-fold.js';
import { eventColumns, INSERT_EVENTS, INSERT_EVENTS_LOCKED, type EventColumns } from './event-columns.js';
import {
  eventTimeMs,
  isTerminalTaskEvent,
  needsSideRows,
  taskIdOf,
  type ArtifactRow,
  type IncomingEvent,
} from './event-rows.js';

/** The channel notified after every ingest commit. */
export const EVENTS_CHANNEL = 'nightglow_events';
const INGEST_LOCK = 7406_0002;
const CHUNK = 1000;

/** What a write did. */
export type WriteResult = { readonly inserted: readonly IncomingEvent[]; readonly duplicates: number };

/** Timing inputs of a write: the ingest time and the seal grace period, both from the service's Clock. */
export type WriteTiming = { readonly nowMs: number; readonly sealGraceMs: number };

/** Options of {@link storeEvents}. */
export type StoreOptions = WriteTiming & {
  /** Writes more rows first, in the same transaction (a Kafka slice's dead letters). */
  readonly before?: (tx: Queryable) => Promise<void>;
};

/**
 * Stores `events` in one transaction: as one autocommit statement when none
 * needs side rows and there is no `before`, else with {@link writeEvents}
 * after `before` in a transaction.
 */
export async function storeEvents(
  db: RecordDb,
  events: readonly IncomingEvent[],
  opts: StoreOptions,
): Promise<WriteResult> {
  const { before, ...timing } = opts;
  if (before === undefined && !events.some((e) => needsSideRows(e.envelope))) {
    if (events.length === 0) return { inserted: [], duplicates: 0 };
    const columns = eventColumns(events, timing.nowMs);
    const r = await db.query<{ event_id: string }>(INSERT_EVENTS_LOCKED, [
      ...columns.params,
      INGEST_LOCK,
      EVENTS_CHANNEL,
    ]);
    const inserted = newEvents(columns, r.rows, []);
    return { inserted, duplicates: events.length - inserted.length };
  }
  return db.transaction(async (tx) => {
    await before?.(tx);
    return writeEvents(tx, events, timing);
  });
}

/** Writes events in the caller's transaction; see the module comment. */
export async function writeEvents(
  tx: Queryable,
  events: readonly IncomingEvent[],
  timing: WriteTiming,
): Promise<WriteResult> {
  // everything that needs no database runs before the lock: it is held until COMMIT by every replica's ingest
  const chunks: EventColumns[] = [];
  for (let i = 0; i < events.length; i += CHUNK) chunks.push(eventColumns(events.slice(i, i + CHUNK), timing.nowMs));
  await tx.query('SELECT pg_advisory_xact_lock($1)', [INGEST_LOCK]);
  const inserted: IncomingEvent[] = [];
  const artifacts: ArtifactRow[] = [];
  for (const chunk of chunks) {
    const r = await tx.query<{ event_id: string }>(INSERT_EVENTS, chunk.params);
    inserted.push(...newEvents(chunk, r.rows, artifacts));
  }
  for (const e of inserted) {
    if (e.envelope.payload.case === 'alert')
      await foldAlert(tx, e.envelope.payload.value, eventTimeMs(e.envelope, timing.nowMs));
  }
  await insertArtifacts(tx, artifacts);
  await scheduleSeals(tx, inserted, timing);
  if (inserted.length > 0) await tx.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, String(inserted.length)]);
  return { inserted, duplicates: events.length - inserted.length };
}

/** The events of `columns` whose ids the insert returned, each once; their artifact rows go to `artifacts`. */
function newEvents(
  columns: EventColumns,
  rows: readonly { event_id: string }[],
  artifacts: ArtifactRow[],
): IncomingEvent[] {
  const ids = new Set(rows.map((row) => row.event_id));
  const inserted: IncomingEvent[] = [];
  for (const p of columns.prepared) {
    const id = p.e.envelope.eventId.toLowerCase();
    if (!ids.delete(id)) continue; // not new, or a second copy in the same batch
    inserted.push(p.e);
    artifacts.push(...p.artifacts);
  }
  return inserted;
}

async function insertArtifacts(tx: Queryable, rows: readonly ArtifactRow[]): Promise<void> {
  for (const a of rows) {
    await tx.query(
      `INSERT INTO artifacts (id, task_id, action_id, kind, content_type, name, sha256, size_bytes, create_time, data)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, to_timestamp($9 / 1000.0), $10) ON CONFLICT (id) DO NOTHING`,
      [
        a.id,
        a.taskId,
        a.actionId,
        a.ref.kind,
        a.ref.contentType,
        a.ref.name,
        a.ref.sha256,
        a.data.byteLength,
        a.ref.createTime ? timestampMs(a.ref.createTime) : 0,
        a.data,
      ],
    );
  }
}

async function scheduleSeals(tx: Queryable, inserted: readonly IncomingEvent[], timing: WriteTiming): Promise<void> {
  for (const e of inserted) {
    if (!isTerminalTaskEvent(e.envelope)) continue;
    await tx.query(
      `INSERT INTO pending_seals (task_id, terminal_event_id, due_time)
       VALUES ($1, $2, to_timestamp($3 / 1000.0)) ON CONFLICT (task_id) DO NOTHING`,
      [taskIdOf(e.envelope), e.envelope.eventId, timing.nowMs + timing.sealGraceMs],
    );
  }
}

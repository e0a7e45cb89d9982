/**
 * The one write path for events, from Kafka and from IngestEvents alike. In
 * the caller's transaction it builds the column arrays first, then takes the
 * ingest lock (so `events.seq` grows in commit order, which the live tail
 * relies on) and, per chunk of 1000, inserts the events with `unnest` and
 * `ON CONFLICT (event_id) DO NOTHING` together with the measurement rows of
 * the events that were new (one statement); then, for the new events, alert
 * folds, artifacts and pending seals.
 * Finally it NOTIFYs `nightglow_events` (delivered at COMMIT, to every replica).
 */
import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { Queryable } from '../db/port.js';
import { foldAlert } from '../alerts/alert-fold.js';
import {
  eventTimeMs,
  extractArtifacts,
  isTerminalTaskEvent,
  taskIdOf,
  urlHost,
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

/** Writes events in the caller's transaction; see the module comment. */
export async function writeEvents(
  tx: Queryable,
  events: readonly IncomingEvent[],
  timing: WriteTiming,
): Promise<WriteResult> {
  // everything that needs no database runs before the lock: it is held until COMMIT by every replica's ingest
  const chunks: PreparedChunk[] = [];
  for (let i = 0; i < events.length; i += CHUNK) chunks.push(prepareChunk(events.slice(i, i + CHUNK), timing.nowMs));
  await tx.query('SELECT pg_advisory_xact_lock($1)', [INGEST_LOCK]);
  const inserted: IncomingEvent[] = [];
  const artifacts: ArtifactRow[] = [];
  for (const chunk of chunks) {
    const r = await tx.query<{ event_id: string }>(INSERT_EVENTS_AND_MEASUREMENTS, chunk.params);
    const ids = new Set(r.rows.map((row) => row.event_id));
    const seen = new Set<string>();
    for (const p of chunk.prepared) {
      const id = p.e.envelope.eventId.toLowerCase();
      if (!ids.has(id) || seen.has(id)) continue;
      seen.add(id);
      inserted.push(p.e);
      artifacts.push(...p.artifacts);
    }
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

/**
 * One statement per chunk: the events with `ON CONFLICT (event_id) DO NOTHING`,
 * and the measurement rows of exactly the events that statement inserted (a
 * data-modifying CTE), so one round trip writes both and returns the new ids.
 */
const INSERT_EVENTS_AND_MEASUREMENTS = `
WITH ins AS (
  INSERT INTO events (event_id, type, topic, time, ingest_time, session_id, task_id, action_id, pool,
                      kafka_topic, kafka_partition, kafka_offset, envelope)
  SELECT u.id, u.type, u.topic, to_timestamp(u.t / 1000.0), to_timestamp($13 / 1000.0), u.s, u.k, u.a, u.p,
         u.kt, u.kp, u.ko, u.env
  FROM unnest($1::uuid[], $2::text[], $3::smallint[], $4::float8[], $5::text[], $6::text[], $7::text[],
              $8::text[], $9::text[], $10::int[], $11::bigint[], $12::bytea[])
       AS u(id, type, topic, t, s, k, a, p, kt, kp, ko, env)
  ON CONFLICT (event_id) DO NOTHING
  RETURNING event_id
), m AS (
  INSERT INTO measurements (event_id, time, metric, instrument, unit, value, session_id, task_id, action_id,
                            pool, url_host, labels)
  SELECT u.id, to_timestamp(u.t / 1000.0), u.metric, u.ins, u.unit, u.v, u.s, u.k, u.a, u.p, u.h, u.l::jsonb
  FROM unnest($14::uuid[], $15::float8[], $16::text[], $17::text[], $18::text[], $19::float8[], $20::text[],
              $21::text[], $22::text[], $23::text[], $24::text[], $25::text[])
       AS u(id, t, metric, ins, unit, v, s, k, a, p, h, l)
  WHERE u.id IN (SELECT event_id FROM ins)
  ON CONFLICT (event_id) DO NOTHING
)
SELECT event_id::text FROM ins`;

type Prepared = { readonly e: IncomingEvent; readonly bytes: Uint8Array; readonly artifacts: ArtifactRow[] };
type PreparedChunk = { readonly prepared: readonly Prepared[]; readonly params: readonly unknown[] };

/** The rows of one chunk as the column arrays its statement binds (pure). */
function prepareChunk(chunk: readonly IncomingEvent[], nowMs: number): PreparedChunk {
  const prepared = chunk.map((e) => ({ e, ...extractArtifacts(e) }));
  const col = <T>(f: (p: Prepared) => T): T[] => prepared.map(f);
  const rows = chunk.flatMap((e) =>
    e.envelope.payload.case === 'measurement' ? [{ env: e.envelope, m: e.envelope.payload.value }] : [],
  );
  const mcol = <T>(f: (r: (typeof rows)[number]) => T): T[] => rows.map(f);
  const params = [
    col((p) => p.e.envelope.eventId),
    col((p) => p.e.envelope.type),
    col((p) => p.e.topic),
    col((p) => eventTimeMs(p.e.envelope, nowMs)),
    col((p) => p.e.envelope.sessionId),
    col((p) => taskIdOf(p.e.envelope)),
    col((p) => p.e.envelope.actionId),
    col((p) => p.e.envelope.pool),
    col((p) => p.e.kafka?.topic ?? null),
    col((p) => p.e.kafka?.partition ?? null),
    col((p) => p.e.kafka?.offset ?? null),
    col((p) => p.bytes),
    nowMs,
    mcol((r) => r.env.eventId),
    mcol((r) => (r.m.time ? timestampMs(r.m.time) : eventTimeMs(r.env, nowMs))),
    mcol((r) => r.m.metric),
    mcol((r) => r.m.instrument),
    mcol((r) => r.m.unit),
    mcol((r) => r.m.value),
    mcol((r) => r.m.sessionId || r.env.sessionId),
    mcol((r) => r.m.taskId || r.env.taskId),
    mcol((r) => r.m.actionId || r.env.actionId),
    mcol((r) => r.m.pool || r.env.pool),
    mcol((r) => urlHost(r.m.url)),
    mcol((r) => JSON.stringify({ ...r.env.labels, ...r.m.labels })),
  ];
  return { prepared, params };
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

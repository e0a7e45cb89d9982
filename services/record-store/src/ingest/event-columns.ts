/**
 * The statement that stores events and their measurement rows, and the
 * column arrays it binds (pure: no I/O). One statement inserts the events with
 * `unnest` and `ON CONFLICT (event_id) DO NOTHING`, and in a data-modifying
 * CTE the measurement rows of exactly the events it inserted; it returns the
 * new ids. Its `locked` form also takes the ingest lock first and NOTIFYs at
 * the end, so a single autocommit statement is a whole ingest transaction.
 */
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { arrayParam, type ArrayElements, type ArrayElementType } from '../db/array-param.js';
import {
  eventTimeMs,
  extractArtifacts,
  taskIdOf,
  urlHost,
  type ArtifactRow,
  type IncomingEvent,
} from './event-rows.js';

const EVENTS = `
  INSERT INTO events (event_id, type, topic, time, ingest_time, session_id, task_id, action_id, pool,
                      kafka_topic, kafka_partition, kafka_offset, envelope)
  SELECT u.id, u.type, u.topic, to_timestamp(u.t / 1000.0), to_timestamp($13 / 1000.0), u.s, u.k, u.a, u.p,
         u.kt, u.kp, u.ko, u.env
  FROM unnest($1::uuid[], $2::text[], $3::smallint[], $4::float8[], $5::text[], $6::text[], $7::text[],
              $8::text[], $9::text[], $10::int[], $11::bigint[], $12::bytea[])
       AS u(id, type, topic, t, s, k, a, p, kt, kp, ko, env)`;

const MEASUREMENTS = `
  INSERT INTO measurements (event_id, time, metric, instrument, unit, value, session_id, task_id, action_id,
                            pool, url_host, labels)
  SELECT u.id, to_timestamp(u.t / 1000.0), u.metric, u.ins, u.unit, u.v, u.s, u.k, u.a, u.p, u.h, u.l::jsonb
  FROM unnest($14::uuid[], $15::float8[], $16::text[], $17::text[], $18::text[], $19::float8[], $20::text[],
              $21::text[], $22::text[], $23::text[], $24::text[], $25::text[])
       AS u(id, t, metric, ins, unit, v, s, k, a, p, h, l)
  WHERE u.id IN (SELECT event_id FROM ins)
  ON CONFLICT (event_id) DO NOTHING`;

/** Events and measurement rows in one statement, in the caller's transaction (which holds the ingest lock). */
export const INSERT_EVENTS = `
WITH ins AS (${EVENTS}
  ON CONFLICT (event_id) DO NOTHING
  RETURNING event_id
), m AS (${MEASUREMENTS}
)
SELECT event_id::text FROM ins`;

/**
 * The same as one whole transaction: `$26` is the ingest lock, taken before
 * the first row gets its `seq` (the insert reads its rows through a join with
 * the lock's one row) and held until this statement's own COMMIT — so the lock
 * is never held across a round trip to the client — and `$27` the channel
 * notified at that COMMIT when something was inserted.
 */
export const INSERT_EVENTS_LOCKED = `
WITH lock AS MATERIALIZED (SELECT pg_advisory_xact_lock($26::bigint) AS locked
), ins AS (${EVENTS} CROSS JOIN lock
  ON CONFLICT (event_id) DO NOTHING
  RETURNING event_id
), m AS (${MEASUREMENTS}
), n AS (SELECT pg_notify($27, count(*)::text) AS notified FROM ins HAVING count(*) > 0
)
SELECT ins.event_id::text AS event_id FROM ins LEFT JOIN n ON true`;

/** An event with the envelope bytes to store and its artifact rows. */
export type PreparedEvent = {
  readonly e: IncomingEvent;
  readonly bytes: Uint8Array;
  readonly artifacts: ArtifactRow[];
};

/** The rows of some events and the 25 parameters of {@link INSERT_EVENTS} that bind them. */
export type EventColumns = { readonly prepared: readonly PreparedEvent[]; readonly params: readonly unknown[] };

/** The rows of `events` as the column arrays the statements bind (pure). */
export function eventColumns(events: readonly IncomingEvent[], nowMs: number): EventColumns {
  const prepared = events.map((e) => ({ e, ...extractArtifacts(e) }));
  const rows = events.flatMap((e) =>
    e.envelope.payload.case === 'measurement' ? [{ env: e.envelope, m: e.envelope.payload.value }] : [],
  );
  type Row = (typeof rows)[number];
  const col = <T extends ArrayElementType>(type: T, f: (p: PreparedEvent) => ArrayElements[T] | null) =>
    arrayParam(type, prepared.map(f));
  const mcol = <T extends ArrayElementType>(type: T, f: (r: Row) => ArrayElements[T]) => arrayParam(type, rows.map(f));
  const params = [
    col('uuid', (p) => p.e.envelope.eventId),
    col('text', (p) => p.e.envelope.type),
    col('int2', (p) => p.e.topic),
    col('float8', (p) => eventTimeMs(p.e.envelope, nowMs)),
    col('text', (p) => p.e.envelope.sessionId),
    col('text', (p) => taskIdOf(p.e.envelope)),
    col('text', (p) => p.e.envelope.actionId),
    col('text', (p) => p.e.envelope.pool),
    col('text', (p) => p.e.kafka?.topic ?? null),
    col('int4', (p) => p.e.kafka?.partition ?? null),
    col('int8', (p) => p.e.kafka?.offset ?? null),
    col('bytea', (p) => p.bytes),
    nowMs,
    mcol('uuid', (r) => r.env.eventId),
    mcol('float8', (r) => (r.m.time ? timestampMs(r.m.time) : eventTimeMs(r.env, nowMs))),
    mcol('text', (r) => r.m.metric),
    mcol('text', (r) => r.m.instrument),
    mcol('text', (r) => r.m.unit),
    mcol('float8', (r) => r.m.value),
    mcol('text', (r) => r.m.sessionId || r.env.sessionId),
    mcol('text', (r) => r.m.taskId || r.env.taskId),
    mcol('text', (r) => r.m.actionId || r.env.actionId),
    mcol('text', (r) => r.m.pool || r.env.pool),
    mcol('text', (r) => urlHost(r.m.url)),
    mcol('text', (r) => JSON.stringify({ ...r.env.labels, ...r.m.labels })),
  ];
  return { prepared, params };
}

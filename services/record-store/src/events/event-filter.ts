/**
 * The event filters of ListEvents and WatchEvents as SQL conditions: types
 * (an entry ending in `.*` is a prefix), topics, session, task, action, pool.
 */
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { decodeEnvelope } from '@nightglow/bus';
import type { Topic } from '@nightglow/contracts/events/v1';
import { KafkaPositionSchema, StoredEventSchema, type StoredEvent } from '@nightglow/contracts/records/v1';
import type { Params } from '../db/sql.js';
import { ms } from '../db/sql.js';
import { invalid } from '../errors.js';

/** The filters shared by listing and watching. */
export type EventFilter = {
  readonly types: readonly string[];
  readonly topics: readonly Topic[];
  readonly sessionId: string;
  readonly taskId: string;
  readonly actionId?: string;
  readonly pool: string;
};

const TYPE_FILTER = /^[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?$/;

/** Conditions (joined with AND by the caller) for `f`; throws INVALID_ARGUMENT on a malformed type pattern. */
export function eventConditions(f: EventFilter, p: Params): string[] {
  const where: string[] = [];
  const exact: string[] = [];
  const prefixes: string[] = [];
  f.types.forEach((t, i) => {
    if (!TYPE_FILTER.test(t))
      throw invalid([{ field: `types[${i}]`, description: 'is not a type or a `prefix.*` pattern' }]);
    if (t.endsWith('.*')) prefixes.push(t.slice(0, -1));
    else exact.push(t);
  });
  const typeOr: string[] = [];
  if (exact.length > 0) typeOr.push(`type = ANY(${p.add(exact)}::text[])`);
  for (const prefix of prefixes) typeOr.push(`starts_with(type, ${p.add(prefix)})`);
  if (typeOr.length > 0) where.push(`(${typeOr.join(' OR ')})`);
  if (f.topics.length > 0) where.push(`topic = ANY(${p.add(f.topics)}::smallint[])`);
  if (f.sessionId !== '') where.push(`session_id = ${p.add(f.sessionId)}`);
  if (f.taskId !== '') where.push(`task_id = ${p.add(f.taskId)}`);
  if (f.actionId !== undefined && f.actionId !== '') where.push(`action_id = ${p.add(f.actionId)}`);
  if (f.pool !== '') where.push(`pool = ${p.add(f.pool)}`);
  return where;
}

/** The columns a stored event is rebuilt from. */
export const EVENT_COLUMNS = `event_id::text AS event_id, seq::float8 AS seq, topic, envelope, kafka_topic, kafka_partition,
  kafka_offset::text AS kafka_offset, ${ms('ingest_time')} AS ingest_ms`;

/** One row of {@link EVENT_COLUMNS}. */
export type EventRow = {
  event_id: string;
  seq: number;
  topic: number;
  envelope: Uint8Array;
  kafka_topic: string | null;
  kafka_partition: number | null;
  kafka_offset: string | null;
  ingest_ms: number;
};

/** Rebuilds the StoredEvent of a row (the bus's one-pass decoder: every listed or tailed event is decoded). */
export function toStoredEvent(r: EventRow): StoredEvent {
  return create(StoredEventSchema, {
    envelope: decodeEnvelope(r.envelope),
    topic: r.topic,
    ingestTime: timestampFromMs(Number(r.ingest_ms)),
    ...(r.kafka_topic === null
      ? {}
      : {
          kafka: create(KafkaPositionSchema, {
            topic: r.kafka_topic,
            partition: Number(r.kafka_partition),
            offset: BigInt(r.kafka_offset ?? '0'),
          }),
        }),
  });
}

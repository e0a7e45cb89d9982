/**
 * The Kafka ingest handler. The bus hands a partition's fetch (often several
 * thousand records, decoded envelopes and decode errors); the handler writes
 * it in transactions of `batchSize` records (default 1000) — events, their
 * side rows and dead letters of that slice together — and resolves only after
 * the last COMMIT; the bus commits the offsets only after that. A crash before
 * then redelivers the whole fetch, and `ON CONFLICT (event_id) DO NOTHING`
 * stores each event once: exactly once in effect. Smaller transactions keep
 * the live tail close behind (each commit wakes it).
 */
import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { BatchHandler, BusBatch, BusRecord } from '@nightglow/bus';
import { Topic } from '@nightglow/contracts/events/v1';
import type { Clock } from '@nightglow/runtime';
import type { Queryable, RecordDb } from '../db/port.js';
import type { RecordMetrics } from '../metrics.js';
import { isUuid, type IncomingEvent } from './event-rows.js';
import { storeEvents, type WriteResult } from './write-events.js';

/** What the handler needs. */
export type IngestDeps = {
  readonly db: RecordDb;
  readonly clock: Clock;
  readonly metrics: RecordMetrics;
  readonly sealGraceMs: number;
  /** Records per transaction. Default 1000. */
  readonly batchSize?: number;
  /** Called after each commit that stored events (wakes local live tails). */
  readonly onCommitted?: (result: WriteResult) => void;
};

type DeadLetter = { readonly record: BusRecord; readonly error: string };

function split(records: readonly BusRecord[]): { events: IncomingEvent[]; dead: DeadLetter[] } {
  const events: IncomingEvent[] = [];
  const dead: DeadLetter[] = [];
  for (const r of records) {
    if (r.kind === 'undecodable') dead.push({ record: r, error: r.error.message });
    else if (!isUuid(r.envelope.eventId))
      dead.push({ record: r, error: `event_id ${JSON.stringify(r.envelope.eventId)} is not a UUID` });
    else {
      events.push({
        envelope: r.envelope,
        topic: r.topic,
        kafka: { topic: r.topicName, partition: r.partition, offset: r.offset },
        raw: r.raw,
      });
    }
  }
  return { events, dead };
}

async function insertDeadLetters(tx: Queryable, dead: readonly DeadLetter[], nowMs: number): Promise<void> {
  for (const d of dead) {
    await tx.query(
      `INSERT INTO dead_letters (topic, partition, kafka_offset, error, raw, ingest_time)
       VALUES ($1, $2, $3, $4, $5, to_timestamp($6 / 1000.0)) ON CONFLICT (topic, partition, kafka_offset) DO NOTHING`,
      [d.record.topicName, d.record.partition, d.record.offset, d.error.slice(0, 2000), d.record.raw, nowMs],
    );
  }
}

/** Topic label of a metric: the Kafka topic suffix. */
function topicLabel(topic: Topic): string {
  return (Topic[topic] ?? 'unknown').toLowerCase().replace(/_/g, '-');
}

/** Creates the bus handler; see the module comment for its guarantees. */
export function createIngestHandler(deps: IngestDeps): BatchHandler {
  const size = deps.batchSize ?? 1000;
  const writeSlice = async (topic: Topic, records: readonly BusRecord[]): Promise<void> => {
    const { events, dead } = split(records);
    const nowMs = deps.clock.now();
    const result = await storeEvents(deps.db, events, {
      nowMs,
      sealGraceMs: deps.sealGraceMs,
      ...(dead.length > 0 ? { before: (tx: Queryable) => insertDeadLetters(tx, dead, nowMs) } : {}),
    });
    const committedMs = deps.clock.now();
    const label = topicLabel(topic);
    deps.metrics.batch(records.length);
    deps.metrics.ingested(label, result.inserted.length);
    if (result.duplicates > 0) deps.metrics.duplicates(label, result.duplicates);
    if (dead.length > 0) deps.metrics.deadLettered(label, dead.length);
    for (const e of result.inserted) {
      if (e.envelope.time) deps.metrics.latency(Math.max(0, committedMs - timestampMs(e.envelope.time)) / 1000);
    }
    if (result.inserted.length > 0) deps.onCommitted?.(result);
  };
  return async (batch: BusBatch) => {
    for (let i = 0; i < batch.records.length; i += size) {
      if (batch.signal.aborted) throw new Error('subscription closing; the rest of the batch is redelivered');
      await writeSlice(batch.topic, batch.records.slice(i, i + size));
    }
  };
}

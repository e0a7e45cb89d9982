/**
 * The record store's domain metrics, behind a small port so ingest code and
 * its unit tests need no Prometheus registry. `createIngestMetrics` backs it
 * with the runtime's hot-path families:
 *
 * | metric | type | labels |
 * |---|---|---|
 * | `nightglow_records_ingested_total` | counter | `topic` (suffix, or `external`) |
 * | `nightglow_records_duplicates_total` | counter | `topic` |
 * | `nightglow_records_dead_lettered_total` | counter | `topic` |
 * | `nightglow_records_ingest_batch_size` | histogram | |
 * | `nightglow_records_ingest_latency_seconds` | histogram | | (event time → commit)
 * | `nightglow_records_consumer_lag` | gauge | `topic` (messages behind the group's committed offset) |
 * | `nightglow_records_sealed_total` | counter | |
 * | `nightglow_records_retention_deleted_total` | counter | `kind` |
 */
import type { Registry } from 'prom-client';
import { counterFamily, gaugeFamily, histogramFamily, LATENCY_BUCKETS } from '@nightglow/runtime';

/** What the domain reports. */
export type RecordMetrics = {
  ingested(topic: string, count: number): void;
  duplicates(topic: string, count: number): void;
  deadLettered(topic: string, count: number): void;
  batch(size: number): void;
  /** Seconds from an event's time to its commit. */
  latency(seconds: number): void;
  lag(topic: string, messages: number): void;
  sealed(count: number): void;
  retentionDeleted(kind: string, count: number): void;
};

/** A RecordMetrics that records nothing (tests, benchmarks). */
export const noMetrics: RecordMetrics = {
  ingested: () => undefined,
  duplicates: () => undefined,
  deadLettered: () => undefined,
  batch: () => undefined,
  latency: () => undefined,
  lag: () => undefined,
  sealed: () => undefined,
  retentionDeleted: () => undefined,
};

const BATCH_BUCKETS = [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];

/** Registers the families on `registry`. */
export function createRecordMetrics(registry: Registry): RecordMetrics {
  const family = (name: string, help: string, labelNames: string[] = []) =>
    counterFamily({ name, help, labelNames, registry });
  const ingested = family('nightglow_records_ingested_total', 'Events stored, by topic.', ['topic']);
  const dups = family('nightglow_records_duplicates_total', 'Events already stored (redeliveries).', ['topic']);
  const dead = family('nightglow_records_dead_lettered_total', 'Undecodable messages dead-lettered.', ['topic']);
  const sealed = family('nightglow_records_sealed_total', 'Task records sealed.').child();
  const deleted = family('nightglow_records_retention_deleted_total', 'Rows deleted by retention.', ['kind']);
  const batch = histogramFamily({
    name: 'nightglow_records_ingest_batch_size',
    help: 'Events per ingest transaction.',
    labelNames: [],
    registry,
    buckets: BATCH_BUCKETS,
  }).child();
  const latency = histogramFamily({
    name: 'nightglow_records_ingest_latency_seconds',
    help: 'From event time to database commit.',
    labelNames: [],
    registry,
    buckets: LATENCY_BUCKETS,
  }).child();
  const lag = gaugeFamily({
    name: 'nightglow_records_consumer_lag',
    help: 'Messages between the consumer group committed offset and the log end.',
    labelNames: ['topic'],
    registry,
  });
  return {
    ingested: (t, n) => ingested.child(t).inc(n),
    duplicates: (t, n) => dups.child(t).inc(n),
    deadLettered: (t, n) => dead.child(t).inc(n),
    batch: (n) => batch.observe(n),
    latency: (s) => latency.observe(s),
    lag: (t, n) => lag.child(t).set(n),
    sealed: (n) => sealed.inc(n),
    retentionDeleted: (k, n) => deleted.child(k).inc(n),
  };
}

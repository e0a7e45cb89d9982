/**
 * The sidecar's Prometheus metrics. Publishing figures come from the bus's own
 * counters (`bus.stats()`), read at scrape time, so the numbers are the ones
 * the bus acted on; the rest are read from the sidecar's state.
 *
 * | metric | type | labels |
 * |---|---|---|
 * | `nightglow_sidecar_published_total` | counter | `topic` — envelopes accepted by the bus |
 * | `nightglow_sidecar_delivered_total` | counter | `topic` — acknowledged by Kafka (acks=all) |
 * | `nightglow_sidecar_dropped_total` | counter | `topic`, `reason` (`reason` per reason, `topic` per topic) |
 * | `nightglow_sidecar_buffered_bytes` / `_buffered_messages` | gauge | — |
 * | `nightglow_sidecar_publish_latency_seconds` | histogram | — accepted → acknowledged |
 * | `nightglow_sidecar_attached_targets` | gauge | — pages held by auto-attach |
 * | `nightglow_sidecar_samples_total` / `_sample_errors_total` | counter | `instrument` |
 * | `nightglow_sidecar_commands_total` | counter | `result` (applied, ignored, duplicate, rejected) |
 */
import type { BusStats } from '@nightglow/bus';
import { counterFamily, type CounterChild, type Family } from '@nightglow/runtime';
import type { Registry } from 'prom-client';

type Value = { metricName?: string; labels: Record<string, string | number>; value: number };

function collected(
  registry: Registry,
  name: string,
  help: string,
  type: 'counter' | 'gauge' | 'histogram',
  values: () => Value[],
): void {
  registry.registerMetric({
    name,
    help,
    type,
    aggregator: 'sum',
    get: () => Promise.resolve({ name, help, type, aggregator: 'sum', values: values() }),
  } as never);
}

const byTopic = (m: Readonly<Record<string, number>>, extra: Record<string, string> = {}): Value[] =>
  Object.entries(m).map(([topic, value]) => ({ labels: { topic, ...extra }, value }));

/** What the metrics read. */
export type SidecarMetricSources = {
  readonly busStats: () => BusStats;
  readonly attachedTargets: () => number;
  readonly instruments: () => readonly { name: string; samples: number; errors: number }[];
};

/** Registers the sidecar's metrics on `registry`; returns the command counter. */
export function registerSidecarMetrics(
  registry: Registry,
  src: SidecarMetricSources,
): { commands: Family<CounterChild> } {
  collected(
    registry,
    'nightglow_sidecar_published_total',
    'Envelopes accepted by the event bus, by topic.',
    'counter',
    () => byTopic(src.busStats().publishedByTopic),
  );
  collected(
    registry,
    'nightglow_sidecar_delivered_total',
    'Envelopes acknowledged by the broker, by topic.',
    'counter',
    () => byTopic(src.busStats().deliveredByTopic),
  );
  collected(
    registry,
    'nightglow_sidecar_dropped_total',
    'Envelopes dropped (measurements only, unless at shutdown), by topic or by reason.',
    'counter',
    () => {
      const s = src.busStats();
      return [
        ...byTopic(s.droppedByTopic),
        ...Object.entries(s.dropped).map(([reason, value]) => ({ labels: { reason }, value })),
      ];
    },
  );
  collected(
    registry,
    'nightglow_sidecar_buffered_bytes',
    'Bytes accepted by the bus and not yet sent.',
    'gauge',
    () => [{ labels: {}, value: src.busStats().buffered.bytes }],
  );
  collected(
    registry,
    'nightglow_sidecar_buffered_messages',
    'Envelopes accepted by the bus and not yet sent.',
    'gauge',
    () => [{ labels: {}, value: src.busStats().buffered.messages }],
  );
  collected(
    registry,
    'nightglow_sidecar_publish_latency_seconds',
    'From acceptance by the bus to the broker acknowledgement.',
    'histogram',
    () => {
      const h = src.busStats().publishLatencyMs;
      return [
        ...h.buckets.map((b) => ({
          metricName: 'nightglow_sidecar_publish_latency_seconds_bucket',
          labels: { le: b.leMs / 1000 },
          value: b.count,
        })),
        { metricName: 'nightglow_sidecar_publish_latency_seconds_bucket', labels: { le: '+Inf' }, value: h.count },
        { metricName: 'nightglow_sidecar_publish_latency_seconds_sum', labels: {}, value: h.sumMs / 1000 },
        { metricName: 'nightglow_sidecar_publish_latency_seconds_count', labels: {}, value: h.count },
      ];
    },
  );
  collected(registry, 'nightglow_sidecar_attached_targets', 'Page targets attached over CDP.', 'gauge', () => [
    { labels: {}, value: src.attachedTargets() },
  ]);
  collected(registry, 'nightglow_sidecar_samples_total', 'Samples taken, by instrument.', 'counter', () =>
    src.instruments().map((i) => ({ labels: { instrument: i.name }, value: i.samples })),
  );
  collected(registry, 'nightglow_sidecar_sample_errors_total', 'Samples that failed, by instrument.', 'counter', () =>
    src.instruments().map((i) => ({ labels: { instrument: i.name }, value: i.errors })),
  );
  const commands = counterFamily({
    name: 'nightglow_sidecar_commands_total',
    help: 'Instrument commands, by result.',
    labelNames: ['result'],
    registry,
  });
  return { commands };
}

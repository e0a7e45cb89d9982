/**
 * Counters and gauges of a bus, shaped for Prometheus: monotonically growing
 * counters, gauges, and a cumulative latency histogram. A service reads them
 * with `bus.stats()` at scrape time or observes each latency with `onPublishLatency`.
 */
import type { BusState } from './port.js';

/**
 * Why a publisher dropped an envelope. Only droppable topics are ever dropped
 * for `buffer_full`, `unavailable`, `too_large` or `evicted`; `rejected` (the
 * broker refused a record for good) and `shutdown` (abandoned when the drain
 * timeout expired) can hit any topic.
 */
export type DropReason = 'buffer_full' | 'unavailable' | 'too_large' | 'evicted' | 'rejected' | 'shutdown';

/** Every {@link DropReason}. */
export const DROP_REASONS: readonly DropReason[] = [
  'buffer_full',
  'unavailable',
  'too_large',
  'evicted',
  'rejected',
  'shutdown',
];

/** Upper bounds (ms) of the publish-latency histogram buckets. */
export const LATENCY_BUCKETS_MS: readonly number[] = [
  1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000,
];

/** A cumulative histogram: `buckets[i].count` observations were `<= leMs`; `count` is the `+Inf` bucket. */
export type LatencyHistogram = {
  readonly count: number;
  readonly sumMs: number;
  readonly maxMs: number;
  readonly buckets: readonly { readonly leMs: number; readonly count: number }[];
};

/** A snapshot of a bus's counters (since creation) and gauges (now). Topic keys are suffixes, e.g. `alerts`. */
export type BusStats = {
  readonly state: BusState;
  /** False after a send failed, until one succeeds: Kafka is unreachable. */
  readonly available: boolean;
  /** Envelopes accepted into the buffer. */
  readonly published: number;
  readonly publishedByTopic: Readonly<Record<string, number>>;
  /** Envelopes acknowledged by the broker (acks=all) or appended to the in-process log. */
  readonly delivered: number;
  readonly deliveredByTopic: Readonly<Record<string, number>>;
  readonly dropped: Readonly<Record<DropReason, number>>;
  readonly droppedByTopic: Readonly<Record<string, number>>;
  /** Gauge: accepted, not yet sent. */
  readonly buffered: { readonly messages: number; readonly bytes: number };
  /** Gauge: in the batch being sent now. */
  readonly inFlight: { readonly messages: number; readonly bytes: number };
  /** Gauge: envelopes whose `publish` waits for buffer space (backpressure). */
  readonly waiting: number;
  readonly batchesSent: number;
  readonly sendFailures: number;
  /** From acceptance into the buffer to the broker's acknowledgement. */
  readonly publishLatencyMs: LatencyHistogram;
  /** Records handed to handlers (including redeliveries) and those that failed to decode. */
  readonly consumed: number;
  readonly decodeErrors: number;
  /** Handler rejections (each means a redelivery). */
  readonly handlerFailures: number;
  /** Offset commits after a handler resolved. */
  readonly commits: number;
  /**
   * Gauge (Kafka only): records behind the log end, summed over the partitions
   * this bus's subscriptions handled, each as of its last committed batch
   * (the fetch's high watermark minus the next offset to read).
   */
  readonly consumerLag: number;
};

/** Gauges the collector does not own; the publisher supplies them at snapshot time. */
export type StatsGauges = Pick<BusStats, 'state' | 'available' | 'buffered' | 'inFlight' | 'waiting'>;

/** The mutable side of {@link BusStats}, shared by a bus's publisher and consumers. */
export type StatsCollector = {
  accepted(topic: string): void;
  delivered(topic: string, latencyMs: number): void;
  dropped(reason: DropReason, topic: string, count?: number): void;
  batchSent(): void;
  sendFailed(): void;
  consumed(records: number, decodeErrors: number): void;
  handlerFailed(): void;
  committed(): void;
  /** Records the lag of one partition (`topic/partition`) after a committed batch. */
  lag(partition: string, records: number): void;
  snapshot(gauges: StatsGauges): BusStats;
};

function bump(map: Record<string, number>, key: string, by = 1): void {
  map[key] = (map[key] ?? 0) + by;
}

/** A fresh collector; `onLatency` (if given) sees every delivery latency, e.g. to feed a histogram metric. */
export function createStatsCollector(onLatency?: (latencyMs: number, topic: string) => void): StatsCollector {
  const c = {
    published: 0,
    delivered: 0,
    batches: 0,
    failures: 0,
    consumed: 0,
    decodeErrors: 0,
    handler: 0,
    commits: 0,
  };
  const publishedByTopic: Record<string, number> = {};
  const deliveredByTopic: Record<string, number> = {};
  const droppedByTopic: Record<string, number> = {};
  const dropped = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
  const bucketCounts = LATENCY_BUCKETS_MS.map(() => 0);
  const latency = { count: 0, sumMs: 0, maxMs: 0 };
  const lags = new Map<string, number>();
  return {
    accepted(topic) {
      c.published++;
      bump(publishedByTopic, topic);
    },
    delivered(topic, latencyMs) {
      c.delivered++;
      bump(deliveredByTopic, topic);
      latency.count++;
      latency.sumMs += latencyMs;
      latency.maxMs = Math.max(latency.maxMs, latencyMs);
      const index = LATENCY_BUCKETS_MS.findIndex((le) => latencyMs <= le);
      if (index >= 0) bucketCounts[index] = (bucketCounts[index] ?? 0) + 1;
      onLatency?.(latencyMs, topic);
    },
    dropped(reason, topic, count = 1) {
      dropped[reason] += count;
      bump(droppedByTopic, topic, count);
    },
    batchSent: () => void c.batches++,
    sendFailed: () => void c.failures++,
    consumed(records, decodeErrors) {
      c.consumed += records;
      c.decodeErrors += decodeErrors;
    },
    handlerFailed: () => void c.handler++,
    committed: () => void c.commits++,
    lag: (partition, records) => void lags.set(partition, records),
    snapshot(gauges) {
      let cumulative = 0;
      const buckets = LATENCY_BUCKETS_MS.map((leMs, i) => ({ leMs, count: (cumulative += bucketCounts[i] ?? 0) }));
      return {
        ...gauges,
        published: c.published,
        publishedByTopic: { ...publishedByTopic },
        delivered: c.delivered,
        deliveredByTopic: { ...deliveredByTopic },
        dropped: { ...dropped },
        droppedByTopic: { ...droppedByTopic },
        batchesSent: c.batches,
        sendFailures: c.failures,
        publishLatencyMs: { ...latency, buckets },
        consumed: c.consumed,
        decodeErrors: c.decodeErrors,
        handlerFailures: c.handler,
        commits: c.commits,
        consumerLag: [...lags.values()].reduce((a, b) => a + b, 0),
      };
    },
  };
}

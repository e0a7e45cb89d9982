/**
 * Consumer lag for the metric `nightglow_records_consumer_lag`: every
 * `intervalMs`, the group's committed offsets against each partition's log
 * end, read with the Kafka admin API (the bus port does not expose offsets).
 *
 * Lifecycle: `start()` → `close()`.
 */
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { Clock, Logger, TimerHandle } from '@nightglow/runtime';
import type { RecordMetrics } from '../metrics.js';

/** Options of {@link createLagProbe}. */
export type LagProbeOptions = {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly groupId: string;
  /** Kafka topic names with the metric label of each. */
  readonly topics: readonly { readonly name: string; readonly label: string }[];
  readonly clock: Clock;
  readonly intervalMs: number;
  readonly metrics: RecordMetrics;
  readonly logger: Pick<Logger, 'debug'>;
};

/** The probe. */
export type LagProbe = { start(): void; measure(): Promise<Record<string, number>>; close(): Promise<void> };

/** Creates the probe (not connected until the first measurement). */
export function createLagProbe(opts: LagProbeOptions): LagProbe {
  const kafka = new Kafka({ clientId: `${opts.clientId}-lag`, brokers: [...opts.brokers], logLevel: logLevel.NOTHING });
  let admin: Admin | undefined;
  let timer: TimerHandle | undefined;
  let stopped = false;

  const measure = async (): Promise<Record<string, number>> => {
    if (!admin) {
      admin = kafka.admin();
      await admin.connect();
    }
    const out: Record<string, number> = {};
    const committed = await admin.fetchOffsets({ groupId: opts.groupId, topics: opts.topics.map((t) => t.name) });
    for (const t of opts.topics) {
      const ends = await admin.fetchTopicOffsets(t.name);
      const group = committed.find((c) => c.topic === t.name)?.partitions ?? [];
      let lag = 0;
      for (const end of ends) {
        const at = Number(group.find((p) => p.partition === end.partition)?.offset ?? '-1');
        lag += Math.max(0, Number(end.high) - (at < 0 ? Number(end.low) : at));
      }
      out[t.label] = lag;
      opts.metrics.lag(t.label, lag);
    }
    return out;
  };
  const arm = (): void => {
    if (stopped) return;
    timer = opts.clock.setTimeout(() => {
      void measure()
        .catch((e: unknown) => opts.logger.debug({ err: e }, 'consumer lag probe failed'))
        .finally(arm);
    }, opts.intervalMs);
  };
  return {
    start: arm,
    measure,
    close: async () => {
      stopped = true;
      timer?.cancel();
      await admin?.disconnect().catch(() => undefined);
    },
  };
}

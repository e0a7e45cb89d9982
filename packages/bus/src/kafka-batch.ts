/**
 * The kafkajs `eachBatch` callback of a Kafka subscription: turns a fetch into
 * a {@link BusBatch}, heartbeats while the handler runs, and resolves and
 * commits the batch's offset only after the handler resolves. When the handler
 * rejects nothing is resolved, so kafkajs fetches the same records again after
 * a backoff (per partition, doubling while it keeps failing).
 */
import type { EachBatchHandler } from 'kafkajs';
import { backoffMs, sleep, type BusClock, type BusLogger } from './deps.js';
import type { KafkaBusConfig } from './kafka-config.js';
import type { BatchHandler } from './port.js';
import { countUndecodable, nextOffset, toBusBatch, toBusRecord } from './records.js';
import type { StatsCollector } from './stats.js';
import { topicFromName } from './topics.js';

/** What {@link createEachBatch} needs. */
export type EachBatchDeps = {
  readonly config: KafkaBusConfig;
  readonly stats: StatsCollector;
  readonly logger: BusLogger;
  readonly clock: BusClock;
  readonly groupId: string;
  readonly handler: BatchHandler;
  /** Aborted when the subscription closes; handed to handlers and cuts a backoff short. */
  readonly signal: AbortSignal;
};

/** Creates the callback; see the module comment. One instance serves every member of a subscription. */
export function createEachBatch(deps: EachBatchDeps): EachBatchHandler {
  const { config, stats, logger, clock, signal } = deps;
  const c = config.consumer;
  const failures = new Map<string, number>();
  return async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
    const topic = topicFromName(batch.topic, config.topicPrefix);
    if (topic === undefined || batch.messages.length === 0 || !isRunning() || isStale()) return;
    const records = batch.messages.map((m) =>
      toBusRecord({
        topic,
        topicName: batch.topic,
        partition: batch.partition,
        offset: m.offset,
        key: m.key?.toString('utf8') ?? undefined,
        raw: m.value ?? new Uint8Array(0),
        timestampMs: Number(m.timestamp),
      }),
    );
    stats.consumed(records.length, countUndecodable(records));
    const beat = setInterval(() => void heartbeat().catch(() => undefined), c.heartbeatIntervalMs);
    const key = `${batch.topic}/${batch.partition}`;
    const last = batch.lastOffset();
    try {
      await deps.handler(
        toBusBatch({ topic, topicName: batch.topic, partition: batch.partition, records, heartbeat, signal }),
      );
    } catch (error) {
      const attempt = failures.get(key) ?? 0;
      failures.set(key, attempt + 1);
      stats.handlerFailed();
      const delay = backoffMs(attempt, c.retryInitialMs, c.retryMaxMs);
      logger.warn(
        {
          groupId: deps.groupId,
          topic: batch.topic,
          partition: batch.partition,
          firstOffset: batch.firstOffset(),
          delayMs: delay,
          err: String(error),
        },
        'event bus: handler failed, batch will be redelivered',
      );
      await sleep(clock, delay, signal);
      return; // nothing resolved: the next fetch starts at the same offset
    } finally {
      clearInterval(beat);
    }
    failures.delete(key);
    resolveOffset(last);
    await commitOffsetsIfNecessary({
      topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: nextOffset(last) }] }],
    });
    stats.committed();
    stats.lag(key, lagAfter(batch.highWatermark, last));
  };
}

/** Records behind the log end once `last` is handled: `highWatermark - (last + 1)`, at least 0. */
export function lagAfter(highWatermark: string, last: string): number {
  const lag = BigInt(highWatermark) - BigInt(last) - 1n;
  return lag > 0n ? Number(lag) : 0;
}

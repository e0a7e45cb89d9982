/**
 * A Kafka group member behind the {@link Subscription} port: kafkajs `eachBatch`
 * with `autoCommit: false` and no auto-resolve. A batch's offset is resolved and
 * committed only after the handler resolves; when it rejects nothing is
 * resolved, so kafkajs fetches the same records again (after a backoff). While
 * a handler runs the member heartbeats, so a slow handler keeps its partitions.
 */
import type { Kafka } from 'kafkajs';
import { backoffMs, sleep, type BusClock, type BusLogger } from './deps.js';
import { BusError } from './errors.js';
import type { KafkaBusConfig } from './kafka-config.js';
import type { SubscribeOptions, Subscription, SubscriptionState } from './port.js';
import { countUndecodable, nextOffset, toBusBatch, toBusRecord } from './records.js';
import type { StatsCollector } from './stats.js';
import { topicFromName, topicName } from './topics.js';

/** What a Kafka subscription needs from its bus. */
export type KafkaSubscriptionDeps = {
  readonly kafka: Kafka;
  readonly config: KafkaBusConfig;
  readonly stats: StatsCollector;
  readonly logger: BusLogger;
  readonly clock: BusClock;
};

/**
 * Connects a consumer, subscribes, runs it, and resolves once the member has
 * joined its group (`UNAVAILABLE` after `consumer.joinTimeoutMs`).
 */
export async function startKafkaSubscription(
  deps: KafkaSubscriptionDeps,
  options: SubscribeOptions,
): Promise<Subscription> {
  const { kafka, config, stats, logger, clock } = deps;
  const c = config.consumer;
  const prefix = config.topicPrefix;
  const log = { groupId: options.groupId };
  const consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: c.sessionTimeoutMs,
    heartbeatInterval: c.heartbeatIntervalMs,
    maxBytesPerPartition: c.maxBytesPerPartition,
    maxWaitTimeInMs: c.maxWaitTimeMs,
    allowAutoTopicCreation: false,
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5_000, restartOnFailure: () => Promise.resolve(true) },
  });
  let state: SubscriptionState = 'STARTING';
  const abort = new AbortController();
  const failures = new Map<string, number>();
  let onJoin: () => void = () => undefined;
  const joined = new Promise<void>((resolve) => (onJoin = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => onJoin());
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) {
      logger.warn({ ...log, err: String(payload.error) }, 'event bus: consumer crashed, kafkajs restarts it');
      return;
    }
    logger.error({ ...log, err: String(payload.error) }, 'event bus: consumer crashed for good');
    if (state === 'RUNNING' || state === 'STARTING') state = 'FAILED';
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      state = 'STOPPING';
      abort.abort();
      await consumer
        .disconnect()
        .catch((error: unknown) =>
          logger.warn({ ...log, err: String(error) }, 'event bus: consumer disconnect failed'),
        );
      state = 'STOPPED';
    })());

  const names = options.topics.map((t) => topicName(t, prefix));
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: names, fromBeginning: options.fromBeginning ?? false });
  } catch (error) {
    await close();
    throw BusError.from(error, 'UNAVAILABLE');
  }
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 1,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
      const topic = topicFromName(batch.topic, prefix);
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
      try {
        await options.handler(
          toBusBatch({
            topic,
            topicName: batch.topic,
            partition: batch.partition,
            records,
            heartbeat,
            signal: abort.signal,
          }),
        );
      } catch (error) {
        const attempt = failures.get(key) ?? 0;
        failures.set(key, attempt + 1);
        stats.handlerFailed();
        const delay = backoffMs(attempt, c.retryInitialMs, c.retryMaxMs);
        logger.warn(
          {
            ...log,
            topic: batch.topic,
            partition: batch.partition,
            firstOffset: batch.firstOffset(),
            delayMs: delay,
            err: String(error),
          },
          'event bus: handler failed, batch will be redelivered',
        );
        await sleep(clock, delay, abort.signal);
        return; // nothing resolved: the next fetch starts at the same offset
      } finally {
        clearInterval(beat);
      }
      failures.delete(key);
      const last = batch.lastOffset();
      resolveOffset(last);
      await commitOffsetsIfNecessary({
        topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: nextOffset(last) }] }],
      });
      stats.committed();
    },
  });

  let timer: ReturnType<BusClock['setTimeout']> | undefined;
  const timedOut = new Promise<boolean>((resolve) => (timer = clock.setTimeout(() => resolve(true), c.joinTimeoutMs)));
  const late = await Promise.race([joined.then(() => false), timedOut]);
  timer?.cancel();
  if (late) {
    await close();
    throw new BusError('UNAVAILABLE', `consumer group ${options.groupId} not joined within ${c.joinTimeoutMs} ms`);
  }
  state = 'RUNNING';
  logger.info({ ...log, topics: names }, 'event bus: subscribed');
  return { groupId: options.groupId, state: () => state, close };
}

/**
 * A Kafka group member behind the {@link Subscription} port: kafkajs `eachBatch`
 * with `autoCommit: false` and no auto-resolve (see `kafka-batch.ts`: a batch is
 * committed only after its handler resolves).
 *
 * kafkajs restarts a consumer after a retriable crash, but gives up for good on
 * some errors that are only transient, notably `KafkaJSGroupCoordinatorNotFound`
 * against a fresh broker whose offsets topic is still being created. The
 * subscription then replaces the dead kafkajs consumer with a new one after a
 * backoff (`consumer.retryInitialMs` doubling to `consumer.retryMaxMs`), at
 * most `consumer.maxRestarts` times in a row (the count resets when a member
 * joins its group); after that it is `FAILED`.
 */
import type { Consumer, Kafka } from 'kafkajs';
import { backoffMs, type BusClock, type BusLogger, type BusTimer } from './deps.js';
import { BusError } from './errors.js';
import { createEachBatch } from './kafka-batch.js';
import type { KafkaBusConfig } from './kafka-config.js';
import type { SubscribeOptions, Subscription, SubscriptionState } from './port.js';
import type { StatsCollector } from './stats.js';
import { topicName } from './topics.js';

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
 * joined its group. Rejects with `UNAVAILABLE` when the first connect fails,
 * after `consumer.joinTimeoutMs`, or when the restarts are used up before a join.
 */
export async function startKafkaSubscription(
  deps: KafkaSubscriptionDeps,
  options: SubscribeOptions,
): Promise<Subscription> {
  const { kafka, config, logger, clock } = deps;
  const c = config.consumer;
  const log = { groupId: options.groupId };
  const names = options.topics.map((t) => topicName(t, config.topicPrefix));
  const abort = new AbortController();
  const eachBatch = createEachBatch({
    ...deps,
    groupId: options.groupId,
    handler: options.handler,
    signal: abort.signal,
  });
  let state: SubscriptionState = 'STARTING';
  let consumer: Consumer | undefined;
  let restarts = 0;
  let gaveUp = false;
  let restartTimer: BusTimer | undefined;
  let settleJoin: (joined: boolean) => void = () => undefined;
  const joined = new Promise<boolean>((resolve) => (settleJoin = resolve));

  const startMember = async (): Promise<void> => {
    const member = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: c.sessionTimeoutMs,
      heartbeatInterval: c.heartbeatIntervalMs,
      maxBytesPerPartition: c.maxBytesPerPartition,
      maxWaitTimeInMs: c.maxWaitTimeMs,
      allowAutoTopicCreation: false,
      retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5_000, restartOnFailure: () => Promise.resolve(true) },
    });
    consumer = member;
    member.on(member.events.GROUP_JOIN, () => {
      restarts = 0;
      settleJoin(true);
    });
    member.on(member.events.CRASH, ({ payload }) => {
      if (payload.restart) {
        logger.warn({ ...log, err: String(payload.error) }, 'event bus: consumer crashed, kafkajs restarts it');
        return;
      }
      if (member === consumer) replace(payload.error);
    });
    await member.connect();
    await member.subscribe({ topics: names, fromBeginning: options.fromBeginning ?? false });
    await member.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: c.partitionsConsumedConcurrently,
      eachBatch,
    });
  };

  /** The kafkajs consumer died for good (it already disconnected itself): start a new one, or fail. */
  const replace = (error: unknown): void => {
    if (state !== 'STARTING' && state !== 'RUNNING') return;
    if (restarts >= c.maxRestarts) {
      logger.error({ ...log, err: String(error), restarts }, 'event bus: consumer crashed for good');
      state = 'FAILED';
      gaveUp = true;
      settleJoin(false);
      return;
    }
    const delay = backoffMs(restarts++, c.retryInitialMs, c.retryMaxMs);
    logger.warn(
      { ...log, err: String(error), restartInMs: delay, restarts },
      'event bus: consumer crashed, restarting it',
    );
    restartTimer = clock.setTimeout(() => {
      restartTimer = undefined;
      if (abort.signal.aborted) return;
      startMember().catch((e: unknown) => replace(e));
    }, delay);
  };

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      state = 'STOPPING';
      abort.abort();
      restartTimer?.cancel();
      settleJoin(false);
      await consumer
        ?.disconnect()
        .catch((error: unknown) =>
          logger.warn({ ...log, err: String(error) }, 'event bus: consumer disconnect failed'),
        );
      state = 'STOPPED';
    })());

  try {
    await startMember();
  } catch (error) {
    await close();
    throw BusError.from(error, 'UNAVAILABLE');
  }

  let timer: BusTimer | undefined;
  const timedOut = new Promise<boolean>((resolve) => (timer = clock.setTimeout(() => resolve(false), c.joinTimeoutMs)));
  const ok = await Promise.race([joined, timedOut]);
  timer?.cancel();
  if (!ok) {
    const why = gaveUp ? `its consumer crashed ${c.maxRestarts + 1} times` : `not joined within ${c.joinTimeoutMs} ms`;
    await close();
    throw new BusError('UNAVAILABLE', `consumer group ${options.groupId}: ${why}`);
  }
  state = 'RUNNING';
  logger.info({ ...log, topics: names }, 'event bus: subscribed');
  return { groupId: options.groupId, state: () => state, close };
}

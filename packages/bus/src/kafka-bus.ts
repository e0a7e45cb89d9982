/**
 * The Kafka implementation of {@link EventBus}. `createKafkaBus` returns a bus in
 * `STARTING`: it already accepts publishes (buffered) and subscriptions;
 * `start()` creates missing topics, connects the producer and turns `READY`,
 * which starts sending. `close()` stops the subscriptions, drains the buffer
 * (bounded by `drainTimeoutMs`) and disconnects: `DRAINING` → `STOPPED`.
 */
import { Topic } from '@nightglow/contracts/events/v1';
import type { EventBus, BusState, Subscription } from './port.js';
import { backoffMs, sleep } from './deps.js';
import { BusError } from './errors.js';
import { ensureTopics } from './kafka-admin.js';
import { createKafkaClient } from './kafka-client.js';
import { resolveKafkaConfig, type KafkaBusConfig, type KafkaBusOptions } from './kafka-config.js';
import { startKafkaSubscription } from './kafka-consumer.js';
import { createKafkaProducerPort } from './kafka-producer.js';
import { createPublisher } from './publisher.js';
import { createStatsCollector } from './stats.js';
import type { BusTopic } from './topics.js';

/** The Kafka bus: the {@link EventBus} port plus `start()` and its resolved config. */
export type KafkaBus = EventBus & {
  /**
   * Creates missing topics, connects the producer, and turns `READY`. Keeps
   * trying for `startTimeoutMs`, then rejects with `UNAVAILABLE` (the bus stays
   * `STARTING`; call `start()` again or `close()`).
   */
  start(): Promise<void>;
  readonly config: KafkaBusConfig;
};

/** Creates a Kafka bus in `STARTING`; see {@link KafkaBusOptions} for the knobs and their defaults. */
export function createKafkaBus(options: KafkaBusOptions): KafkaBus {
  const config = resolveKafkaConfig(options);
  const { clock, logger } = config;
  const kafka = createKafkaClient(config);
  const stats = createStatsCollector(config.onPublishLatency);
  const producer = createKafkaProducerPort({
    kafka,
    logger,
    requestTimeoutMs: config.requestTimeoutMs,
    sendRetries: config.sendRetries,
    lanes: config.producerLanes,
  });
  const publisher = createPublisher({
    producer,
    clock,
    logger,
    stats,
    prefix: config.topicPrefix,
    droppable: new Set<BusTopic>(config.droppableTopics),
    maxMessageBytes: (topic) =>
      topic === Topic.ACTIONS ? config.topics.actionsMaxMessageBytes : config.topics.maxMessageBytes,
    batch: config.batch,
    buffer: config.buffer,
    retry: config.retry,
    paused: true,
  });
  const subscriptions = new Set<Subscription>();
  let state: BusState = 'STARTING';
  let starting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  const stopping = new AbortController();

  const tryStart = async (): Promise<void> => {
    const deadline = clock.now() + config.startTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        if (config.topics.create) await ensureTopics(kafka, config, logger);
        await producer.connect();
        return;
      } catch (error) {
        const wait = backoffMs(attempt, config.retry.initialMs, config.retry.maxMs);
        if (stopping.signal.aborted) throw new BusError('CLOSED', 'event bus closed while starting', { cause: error });
        if (clock.now() + wait > deadline) {
          throw new BusError(
            'UNAVAILABLE',
            `Kafka not reachable within ${config.startTimeoutMs} ms: ${String(error)}`,
            { cause: error },
          );
        }
        logger.warn({ err: String(error), retryInMs: wait }, 'event bus: Kafka not reachable yet');
        await sleep(clock, wait, stopping.signal);
      }
    }
  };

  return {
    config,
    state: () => state,
    start() {
      if (state !== 'STARTING') return Promise.resolve();
      starting ??= tryStart().then(
        () => {
          if (state !== 'STARTING') return;
          state = 'READY';
          publisher.resume();
          logger.info({ brokers: config.brokers, prefix: config.topicPrefix }, 'event bus: ready (kafka)');
        },
        (error: unknown) => {
          starting = undefined;
          throw error;
        },
      );
      return starting;
    },
    publish(envelopes) {
      if (state === 'DRAINING' || state === 'STOPPED')
        return Promise.reject(new BusError('CLOSED', `event bus is ${state}`));
      return publisher.publish(envelopes);
    },
    flush: () => publisher.flush(),
    async subscribe(opts) {
      if (state === 'DRAINING' || state === 'STOPPED') throw new BusError('CLOSED', `event bus is ${state}`);
      const subscription = await startKafkaSubscription({ kafka, config, stats, logger, clock }, opts);
      if (closing !== undefined) {
        await subscription.close(); // close() ran while this member was joining
        throw new BusError('CLOSED', 'event bus closed while subscribing');
      }
      subscriptions.add(subscription);
      return subscription;
    },
    stats: () => stats.snapshot({ state, ...publisher.gauges() }),
    close() {
      closing ??= closeBus();
      return closing;
    },
  };

  async function closeBus(): Promise<void> {
    const wasReady = state === 'READY';
    state = 'DRAINING';
    stopping.abort();
    await starting?.catch(() => undefined); // a start in progress gives up at its next step
    await Promise.all([...subscriptions].map((s) => s.close()));
    await publisher.drain(wasReady ? config.drainTimeoutMs : 0);
    await producer
      .disconnect()
      .catch((error: unknown) => logger.warn({ err: String(error) }, 'event bus: producer disconnect failed'));
    state = 'STOPPED';
    logger.info({}, 'event bus: stopped');
  }
}

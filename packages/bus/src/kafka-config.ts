/**
 * Options of the Kafka bus, their defaults, and validation. `resolveKafkaConfig`
 * turns partial options into a complete config or throws `INVALID_CONFIG`
 * naming the option.
 */
import { systemClock, silentLogger, type BusClock, type BusLogger } from './deps.js';
import { BusError } from './errors.js';
import type { BufferLimits } from './publish-buffer.js';
import type { BatchLimits } from './send-loop.js';
import { DEFAULT_DROPPABLE_TOPICS, DEFAULT_TOPIC_PREFIX, type BusTopic } from './topics.js';

const MIB = 1024 * 1024;

/** Consumer knobs of the Kafka bus. */
export type KafkaConsumerOptions = {
  /** Group session timeout: a member silent this long is removed. Default 30 000. */
  readonly sessionTimeoutMs?: number;
  /** Heartbeat period, also while a handler runs. Default 3 000. */
  readonly heartbeatIntervalMs?: number;
  /** Fetch size per partition (a larger single message still arrives). Default 1 MiB. */
  readonly maxBytesPerPartition?: number;
  /** Backoff after a handler rejects, doubling per consecutive failure up to `retryMaxMs`. Default 200. */
  readonly retryInitialMs?: number;
  /** Default 10 000. */
  readonly retryMaxMs?: number;
  /** How long `subscribe` waits for the first group join before `UNAVAILABLE`. Default 60 000. */
  readonly joinTimeoutMs?: number;
  /** Longest wait of a fetch for new records (also bounds how long `close()` waits for one). Default 500. */
  readonly maxWaitTimeMs?: number;
  /**
   * How many times in a row a kafkajs consumer that gave up (e.g. no group
   * coordinator yet on a fresh broker) is replaced by a new one before the
   * subscription is `FAILED`; the count resets on every group join. Default 10.
   */
  readonly maxRestarts?: number;
  /**
   * Partitions whose batches are handled at the same time (kafkajs
   * `partitionsConsumedConcurrently`); each partition still sees its batches
   * one at a time, in order. Default 1.
   */
  readonly partitionsConsumedConcurrently?: number;
};

/** Topic administration at start. */
export type KafkaTopicOptions = {
  /** Create missing topics at start (admin API). Default true. */
  readonly create?: boolean;
  /** Partitions of created topics. Default 6. */
  readonly partitions?: number;
  /** Replication factor of created topics; -1 = the broker's default. Default -1. */
  readonly replicationFactor?: number;
  /** `max.message.bytes` of the actions topic (screenshots travel in it). Default 8 MiB. */
  readonly actionsMaxMessageBytes?: number;
  /** Largest envelope accepted for the other topics (Kafka's default limit is ~1 MiB). Default 1 000 000. */
  readonly maxMessageBytes?: number;
};

/** Options of {@link createKafkaBus}; only `brokers` is required. */
export type KafkaBusOptions = {
  /** Bootstrap brokers, e.g. `['kafka-0.kafka:9092']`. */
  readonly brokers: readonly string[];
  /** Kafka client id. Default `nightglow`. */
  readonly clientId?: string;
  /** Topic name prefix. Default `nightglow`. */
  readonly topicPrefix?: string;
  readonly logger?: BusLogger;
  readonly clock?: BusClock;
  /** Batching: default 500 messages, 1 MiB, 20 ms linger. */
  readonly batch?: Partial<BatchLimits>;
  /** The bounded buffer: default 100 000 messages, 64 MiB. */
  readonly buffer?: Partial<BufferLimits>;
  /** Backoff between attempts of a failing batch: default 100 ms doubling to 5 000 ms, forever. */
  readonly retry?: { readonly initialMs?: number; readonly maxMs?: number };
  /** Topics that may be dropped under pressure. Default: measurements. */
  readonly droppableTopics?: readonly BusTopic[];
  readonly topics?: KafkaTopicOptions;
  readonly consumer?: KafkaConsumerOptions;
  /** TCP connect timeout. Default 3 000. */
  readonly connectionTimeoutMs?: number;
  /** Request timeout (a produce waiting for acks=all included). Default 30 000. */
  readonly requestTimeoutMs?: number;
  /** kafkajs' own retries inside one send attempt before the bus's backoff takes over. Default 2. */
  readonly sendRetries?: number;
  /**
   * Idempotent producers that write the parts of one batch at the same time,
   * records split by key (a key always uses the same one, so its order holds).
   * Each has one request in flight; kafkajs serializes the requests of one
   * idempotent producer, so this is how round trips overlap. Default 3.
   */
  readonly producerLanes?: number;
  /** How long `start()` keeps trying to reach Kafka. Default 30 000. */
  readonly startTimeoutMs?: number;
  /** How long `close()` keeps sending the buffer before dropping it (`shutdown`). Default 10 000. */
  readonly drainTimeoutMs?: number;
  /** Sees each delivery latency (ms, topic suffix), e.g. to feed a Prometheus histogram. */
  readonly onPublishLatency?: (latencyMs: number, topic: string) => void;
};

type Required2<T> = { readonly [K in keyof T]-?: Exclude<T[K], undefined> };

/** Every option resolved. */
export type KafkaBusConfig = Omit<
  Required2<KafkaBusOptions>,
  'batch' | 'buffer' | 'retry' | 'topics' | 'consumer' | 'onPublishLatency'
> & {
  readonly batch: BatchLimits;
  readonly buffer: BufferLimits;
  readonly retry: { readonly initialMs: number; readonly maxMs: number };
  readonly topics: Required2<KafkaTopicOptions>;
  readonly consumer: Required2<KafkaConsumerOptions>;
  readonly onPublishLatency: ((latencyMs: number, topic: string) => void) | undefined;
};

function int(name: string, value: number | undefined, fallback: number, min = 1): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min)
    throw new BusError('INVALID_CONFIG', `${name} must be an integer >= ${min}, got ${v}`);
  return v;
}

/** Applies defaults and validates; throws `INVALID_CONFIG` naming the first bad option. */
export function resolveKafkaConfig(o: KafkaBusOptions): KafkaBusConfig {
  if (o.brokers.length === 0) throw new BusError('INVALID_CONFIG', 'brokers must name at least one broker');
  const prefix = o.topicPrefix ?? DEFAULT_TOPIC_PREFIX;
  if (!/^[A-Za-z0-9._-]+$/.test(prefix))
    throw new BusError('INVALID_CONFIG', `topicPrefix ${JSON.stringify(prefix)} is not a valid topic name part`);
  const t = o.topics ?? {};
  const c = o.consumer ?? {};
  const replicationFactor = t.replicationFactor ?? -1;
  if (replicationFactor !== -1) int('topics.replicationFactor', replicationFactor, 1);
  return {
    brokers: [...o.brokers],
    clientId: o.clientId ?? 'nightglow',
    topicPrefix: prefix,
    logger: o.logger ?? silentLogger,
    clock: o.clock ?? systemClock,
    batch: {
      maxMessages: int('batch.maxMessages', o.batch?.maxMessages, 500),
      maxBytes: int('batch.maxBytes', o.batch?.maxBytes, MIB),
      lingerMs: int('batch.lingerMs', o.batch?.lingerMs, 20, 0),
    },
    buffer: {
      maxMessages: int('buffer.maxMessages', o.buffer?.maxMessages, 100_000),
      maxBytes: int('buffer.maxBytes', o.buffer?.maxBytes, 64 * MIB),
    },
    retry: {
      initialMs: int('retry.initialMs', o.retry?.initialMs, 100),
      maxMs: int('retry.maxMs', o.retry?.maxMs, 5_000),
    },
    droppableTopics: o.droppableTopics ?? DEFAULT_DROPPABLE_TOPICS,
    topics: {
      create: t.create ?? true,
      partitions: int('topics.partitions', t.partitions, 6),
      replicationFactor,
      actionsMaxMessageBytes: int('topics.actionsMaxMessageBytes', t.actionsMaxMessageBytes, 8 * MIB),
      maxMessageBytes: int('topics.maxMessageBytes', t.maxMessageBytes, 1_000_000),
    },
    consumer: {
      sessionTimeoutMs: int('consumer.sessionTimeoutMs', c.sessionTimeoutMs, 30_000),
      heartbeatIntervalMs: int('consumer.heartbeatIntervalMs', c.heartbeatIntervalMs, 3_000),
      maxBytesPerPartition: int('consumer.maxBytesPerPartition', c.maxBytesPerPartition, MIB),
      retryInitialMs: int('consumer.retryInitialMs', c.retryInitialMs, 200),
      retryMaxMs: int('consumer.retryMaxMs', c.retryMaxMs, 10_000),
      joinTimeoutMs: int('consumer.joinTimeoutMs', c.joinTimeoutMs, 60_000),
      maxWaitTimeMs: int('consumer.maxWaitTimeMs', c.maxWaitTimeMs, 500, 0),
      maxRestarts: int('consumer.maxRestarts', c.maxRestarts, 10, 0),
      partitionsConsumedConcurrently: int(
        'consumer.partitionsConsumedConcurrently',
        c.partitionsConsumedConcurrently,
        1,
      ),
    },
    connectionTimeoutMs: int('connectionTimeoutMs', o.connectionTimeoutMs, 3_000),
    requestTimeoutMs: int('requestTimeoutMs', o.requestTimeoutMs, 30_000),
    sendRetries: int('sendRetries', o.sendRetries, 2, 1),
    producerLanes: int('producerLanes', o.producerLanes, 3),
    startTimeoutMs: int('startTimeoutMs', o.startTimeoutMs, 30_000),
    drainTimeoutMs: int('drainTimeoutMs', o.drainTimeoutMs, 10_000, 0),
    onPublishLatency: o.onPublishLatency,
  };
}

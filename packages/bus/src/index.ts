/**
 * @nightglow/bus: the event-bus port (`EventBus`) with a Kafka implementation
 * (`createKafkaBus`, kafkajs) and an in-process one (`createMemoryBus`), plus the
 * envelope helpers every producer and consumer of `nightglow.events.v1` needs.
 * Stands alone: it imports neither the runtime nor any service.
 */
export { BusError, isBusError } from './errors.js';
export type { BusErrorCode, BusErrorOptions } from './errors.js';
export { silentLogger, systemClock } from './deps.js';
export type { BusClock, BusLogger, BusTimer } from './deps.js';
export {
  BUS_TOPICS,
  DEFAULT_DROPPABLE_TOPICS,
  DEFAULT_TOPIC_PREFIX,
  TOPIC_SUFFIXES,
  isBusTopic,
  topicFromName,
  topicName,
  topicOf,
  topicOfPayload,
} from './topics.js';
export type { BusTopic } from './topics.js';
export { createEnvelope, decodeEnvelope, encodeEnvelope, envelopeProblem, keyOf, newEventId } from './envelope.js';
export type { EnvelopeInit } from './envelope.js';
export type {
  BatchHandler,
  BusBatch,
  BusRecord,
  BusRecordMeta,
  BusState,
  EventBus,
  PublishResult,
  SubscribeOptions,
  Subscription,
  SubscriptionState,
} from './port.js';
export { DROP_REASONS, LATENCY_BUCKETS_MS } from './stats.js';
export type { BusStats, DropReason, LatencyHistogram } from './stats.js';
export type { BatchLimits, RetryLimits } from './send-loop.js';
export type { BufferLimits } from './publish-buffer.js';
export { createKafkaBus } from './kafka-bus.js';
export type { KafkaBus } from './kafka-bus.js';
export { resolveKafkaConfig } from './kafka-config.js';
export type { KafkaBusConfig, KafkaBusOptions, KafkaConsumerOptions, KafkaTopicOptions } from './kafka-config.js';
export { createMemoryBus } from './memory-bus.js';
export type { MemoryBus, MemoryBusOptions } from './memory-bus.js';

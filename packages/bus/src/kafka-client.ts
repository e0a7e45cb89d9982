/**
 * The kafkajs client of a bus: its logs routed to the bus logger, and kafkajs
 * errors translated into BusErrors that say whether to retry.
 */
import { Kafka, logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { BusLogger } from './deps.js';
import { BusError } from './errors.js';
import type { KafkaBusConfig } from './kafka-config.js';

/**
 * kafkajs logs into the bus logger: ERROR → warn (kafkajs logs retriable
 * conditions, e.g. a coordinator loading or a broker restarting, as ERROR; the
 * bus reports real failures itself), WARN → warn, INFO and DEBUG → debug.
 */
export function kafkaLogCreator(logger: BusLogger): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _t, ...extra } = log;
      const obj = { kafkajs: namespace, ...extra };
      if (level === logLevel.ERROR || level === logLevel.WARN) logger.warn(obj, `kafkajs: ${message}`);
      else logger.debug(obj, `kafkajs: ${message}`);
    };
}

/** A kafkajs client for the configured brokers; kafkajs' own retries stay short, the bus retries forever. */
export function createKafkaClient(config: KafkaBusConfig): Kafka {
  return new Kafka({
    clientId: config.clientId,
    brokers: [...config.brokers],
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    logLevel: logLevel.INFO,
    logCreator: kafkaLogCreator(config.logger),
    retry: { retries: config.sendRetries, initialRetryTime: 100, maxRetryTime: 1_000 },
  });
}

/** Broker errors after which the idempotent producer's sequence state is useless: start a new producer. */
const SEQUENCE_ERRORS = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_PRODUCER_ID_MAPPING',
  'DUPLICATE_SEQUENCE_NUMBER',
]);

/** Broker errors that refuse a record for good: resending it cannot succeed. */
const REFUSED_ERRORS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE']);

/** A kafkajs error, as far as the bus needs to know it. */
type KafkaJsErrorLike = { name?: string; type?: string; message?: string; cause?: unknown; retriable?: boolean };

function rootCause(error: unknown): KafkaJsErrorLike {
  let current = error as KafkaJsErrorLike;
  for (let depth = 0; depth < 5 && current?.name === 'KafkaJSNumberOfRetriesExceeded' && current.cause; depth++) {
    current = current.cause as KafkaJsErrorLike;
  }
  return current ?? {};
}

/** How the producer should react to a failed send. */
export type SendFailure = { readonly error: BusError; readonly resetProducer: boolean };

/**
 * Classifies a kafkajs send error: a refused record is terminal (`REJECTED`),
 * a producer-sequence error is retryable with a fresh producer, anything else
 * (connection refused, timeouts, leader changes, exhausted kafkajs retries) is
 * retryable as is.
 */
export function classifySendError(error: unknown): SendFailure {
  const root = rootCause(error);
  const message = root.message ?? String(error);
  if (root.type !== undefined && REFUSED_ERRORS.has(root.type)) {
    return {
      error: new BusError('REJECTED', `broker refused the batch: ${message}`, { cause: error }),
      resetProducer: false,
    };
  }
  const resetProducer = root.type !== undefined && SEQUENCE_ERRORS.has(root.type);
  return { error: new BusError('SEND_FAILED', message, { cause: error, retryable: true }), resetProducer };
}

/**
 * The Kafka {@link ProducerPort}: an idempotent kafkajs producer (acks=all, one
 * request in flight, gzip) that writes one batch per `sendBatch`. Partitioning
 * is deterministic so a retried batch lands where its first attempt did: keyed
 * records by the Java-compatible murmur2 of the key, keyless ones by a hash of
 * their bytes.
 */
import { CompressionTypes, Partitioners, type Kafka, type Message, type PartitionerArgs, type Producer } from 'kafkajs';
import type { BusLogger } from './deps.js';
import { classifySendError } from './kafka-client.js';
import type { OutRecord } from './outgoing.js';
import type { ProducerPort } from './send-loop.js';

/** FNV-1a, 32 bit, over bytes: a stable spread for keyless records. */
function fnv1a(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193);
  return hash >>> 0;
}

/**
 * kafkajs partitioner: murmur2 by key (as Java clients do); a keyless record by a
 * hash of its bytes (which hold its event id), so a resend lands where it did.
 */
export function stablePartitioner(): (args: PartitionerArgs) => number {
  const byKey = Partitioners.DefaultPartitioner();
  return (args) => {
    const { key, value } = args.message;
    if (key !== null && key !== undefined) return byKey(args);
    const ids = args.partitionMetadata.map((p) => p.partitionId).sort((a, b) => a - b);
    const bytes = typeof value === 'string' ? Buffer.from(value) : (value ?? Buffer.alloc(0));
    return ids[fnv1a(bytes) % ids.length] ?? 0;
  };
}

function toMessage(r: OutRecord): Message {
  return {
    key: r.key ?? null,
    value: Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength),
    headers: { ...r.headers },
  };
}

/** A {@link ProducerPort} with the connection lifecycle the Kafka bus drives. */
export type KafkaProducerPort = ProducerPort & {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
};

/** Creates the port (not connected yet); `requestTimeoutMs` bounds the wait for acks=all. */
export function createKafkaProducerPort(opts: {
  readonly kafka: Kafka;
  readonly logger: BusLogger;
  readonly requestTimeoutMs: number;
  /** kafkajs retries inside one attempt. */
  readonly sendRetries: number;
}): KafkaProducerPort {
  const { kafka, logger } = opts;
  const newProducer = (): Producer =>
    kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: stablePartitioner,
      // Short on purpose: the publisher resends the same batch with its own backoff, forever.
      retry: { retries: opts.sendRetries, initialRetryTime: 100, maxRetryTime: 1_000 },
    });
  let producer = newProducer();
  let connected: Promise<void> | undefined;

  const ensureConnected = (): Promise<void> => {
    connected ??= producer.connect().catch((error: unknown) => {
      connected = undefined;
      throw error;
    });
    return connected;
  };

  return {
    connect: ensureConnected,
    async send(records) {
      const byTopic = new Map<string, Message[]>();
      for (const r of records) {
        const list = byTopic.get(r.topicName) ?? [];
        list.push(toMessage(r));
        byTopic.set(r.topicName, list);
      }
      try {
        await ensureConnected();
        await producer.sendBatch({
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
          acks: -1,
          compression: CompressionTypes.GZIP,
          timeout: opts.requestTimeoutMs,
        });
      } catch (error) {
        const failure = classifySendError(error);
        if (failure.resetProducer) {
          logger.warn({ err: failure.error.message }, 'event bus: producer sequence lost, starting a new producer');
          const old = producer;
          producer = newProducer();
          connected = undefined;
          await old.disconnect().catch(() => undefined);
        }
        throw failure.error;
      }
    },
    async disconnect() {
      connected = undefined;
      await producer.disconnect();
    },
  };
}

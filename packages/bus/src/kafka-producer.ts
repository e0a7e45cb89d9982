/**
 * The Kafka {@link ProducerPort}: idempotent kafkajs producers (acks=all, one
 * request in flight each, gzip). With one lane a batch is one `sendBatch`;
 * with several, each lane's producer writes its part of the batch at the same
 * time (kafkajs serializes the requests of one idempotent producer to a
 * broker, so only separate producers overlap their round trips). Partitioning
 * is deterministic so a retried batch lands where its first attempt did: keyed
 * records by the Java-compatible murmur2 of the key, keyless ones by a hash of
 * their bytes.
 */
import {
  CompressionTypes,
  Partitioners,
  type Kafka,
  type Message,
  type PartitionerArgs,
  type PartitionMetadata,
  type Producer,
} from 'kafkajs';
import type { BusLogger } from './deps.js';
import { classifySendError } from './kafka-client.js';
import { installGzipCodec } from './kafka-gzip.js';
import { NO_HEADERS, type OutRecord } from './outgoing.js';
import { BusError } from './errors.js';
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
  const { value } = r;
  const message: Message = {
    key: r.key ?? null,
    value: Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength),
  };
  // kafkajs walks a headers object per record: none at all when there is none
  if (r.headers !== NO_HEADERS) message.headers = { ...r.headers };
  return message;
}

/** A {@link ProducerPort} with the connection lifecycle the Kafka bus drives. */
export type KafkaProducerPort = ProducerPort & {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
};

/** kafkajs' Java-compatible partitioner, used on fake metadata of `lanes` partitions to pick a lane. */
const laneHash = Partitioners.DefaultPartitioner();
const laneMetadata: PartitionMetadata[][] = [];

/**
 * The lane of a record: a keyed record by the same murmur2 hash that picks its
 * partition, modulo the lanes, so a key always uses the same producer (and
 * keeps its order) and, when the lanes divide the partition count (3 lanes, 6
 * partitions), each lane writes partitions of its own: its record batches are
 * as large as with one producer and the lanes never append to the same
 * partition at the same time. A keyless record goes by a hash of its bytes, so
 * a resend keeps its lane.
 */
export function laneOf(record: OutRecord, lanes: number): number {
  if (lanes === 1) return 0;
  if (record.key === undefined) return fnv1a(record.value) % lanes;
  const partitionMetadata = (laneMetadata[lanes] ??= Array.from({ length: lanes }, (_, i) => ({
    partitionErrorCode: 0,
    partitionId: i,
    leader: 0,
    replicas: [0],
    isr: [0],
  })));
  return laneHash({ topic: 'lanes', partitionMetadata, message: { key: record.key, value: null } });
}

type Lane = { producer: Producer; connected: Promise<void> | undefined };

/**
 * Creates the port (not connected yet). It owns `lanes` idempotent producers
 * (each with its own connection and producer id); a batch is split by
 * {@link laneOf} and the parts are written at the same time, one request per
 * producer. `requestTimeoutMs` bounds the wait for acks=all.
 */
export function createKafkaProducerPort(opts: {
  readonly kafka: Kafka;
  readonly logger: BusLogger;
  readonly requestTimeoutMs: number;
  /** kafkajs retries inside one attempt. */
  readonly sendRetries: number;
  /** Producers writing parts of a batch concurrently. Default 1. */
  readonly lanes?: number;
}): KafkaProducerPort {
  const { kafka, logger } = opts;
  installGzipCodec();
  const newProducer = (): Producer =>
    kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: stablePartitioner,
      // Short on purpose: the publisher resends the same batch with its own backoff, forever.
      retry: { retries: opts.sendRetries, initialRetryTime: 100, maxRetryTime: 1_000 },
    });
  const lanes: Lane[] = Array.from({ length: opts.lanes ?? 1 }, () => ({
    producer: newProducer(),
    connected: undefined,
  }));

  const ensureConnected = (lane: Lane): Promise<void> => {
    lane.connected ??= lane.producer.connect().catch((error: unknown) => {
      lane.connected = undefined;
      throw error;
    });
    return lane.connected;
  };

  const sendLane = async (lane: Lane, records: readonly OutRecord[]): Promise<void> => {
    const byTopic = new Map<string, Message[]>();
    for (const r of records) {
      const list = byTopic.get(r.topicName) ?? [];
      list.push(toMessage(r));
      byTopic.set(r.topicName, list);
    }
    try {
      await ensureConnected(lane);
      await lane.producer.sendBatch({
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        acks: -1,
        compression: CompressionTypes.GZIP,
        timeout: opts.requestTimeoutMs,
      });
    } catch (error) {
      const failure = classifySendError(error);
      if (failure.resetProducer) {
        logger.warn({ err: failure.error.message }, 'event bus: producer sequence lost, starting a new producer');
        const old = lane.producer;
        lane.producer = newProducer();
        lane.connected = undefined;
        await old.disconnect().catch(() => undefined);
      }
      throw failure.error;
    }
  };

  return {
    connect: async () => {
      await Promise.all(lanes.map(ensureConnected));
    },
    async send(records) {
      if (lanes.length === 1) return sendLane(lanes[0] as Lane, records);
      const parts: OutRecord[][] = lanes.map(() => []);
      for (const r of records) parts[laneOf(r, lanes.length)]?.push(r);
      const outcomes = await Promise.all(
        parts.map((part, i) =>
          part.length === 0
            ? undefined
            : sendLane(lanes[i] as Lane, part).then(
                () => undefined,
                (error: unknown) => ({ part, error: BusError.from(error) }),
              ),
        ),
      );
      const failed = outcomes.filter((o) => o !== undefined);
      if (failed.length === 0) return undefined;
      // a retryable error wins: the whole failed part is retried, a refused record shows up again alone
      const error = (failed.find((f) => f.error.retryable) ?? failed[0])?.error;
      const rest = failed.flatMap((f) => f.part).sort((a, b) => a.seq - b.seq);
      if (rest.length === records.length) throw error;
      return { failed: rest, error };
    },
    async disconnect() {
      await Promise.all(
        lanes.map(async (lane) => {
          lane.connected = undefined;
          await lane.producer.disconnect();
        }),
      );
    },
  };
}

/**
 * The in-process implementation of {@link EventBus}, for the all-in-one and for
 * tests. Same port, same semantics as Kafka: envelopes go through the same
 * bounded publish buffer (drop policy, backpressure, batching, stats) into a
 * partitioned in-memory log; consumer groups share partitions, commit after the
 * handler resolves, and redeliver what was not committed. When active groups
 * lag `maxLagMessages` behind, appending waits, so the buffer fills and
 * publishers feel the backpressure. Nothing survives the process.
 */
import { systemClock, silentLogger, type BusClock, type BusLogger } from './deps.js';
import { BusError } from './errors.js';
import { createGroupCoordinator, tpKey } from './memory-groups.js';
import { createMemoryLog } from './memory-log.js';
import { startMemoryMember } from './memory-member.js';
import type { BusState, EventBus, Subscription } from './port.js';
import { createPublisher } from './publisher.js';
import type { BatchLimits, ProducerPort } from './send-loop.js';
import type { BufferLimits } from './publish-buffer.js';
import { createStatsCollector } from './stats.js';
import { DEFAULT_DROPPABLE_TOPICS, DEFAULT_TOPIC_PREFIX, topicName, type BusTopic } from './topics.js';

/** Options of {@link createMemoryBus}; all optional. */
export type MemoryBusOptions = {
  /** Topic prefix (names only matter for stats and records). Default `nightglow`. */
  readonly topicPrefix?: string;
  /** Partitions per topic. Default 4. */
  readonly partitions?: number;
  /** Batching: default 500 messages, 1 MiB, 0 ms linger. */
  readonly batch?: Partial<BatchLimits>;
  /** The bounded buffer: default 100 000 messages, 64 MiB. */
  readonly buffer?: Partial<BufferLimits>;
  /** Appends wait while active groups lag this many records behind. Default 100 000. */
  readonly maxLagMessages?: number;
  /** Newest records kept per partition for late subscribers. Default 10 000. */
  readonly retainMessages?: number;
  /** Records per handler call. Default 500. */
  readonly maxBatchMessages?: number;
  /** Backoff after a handler rejects: default 100 ms doubling to 5 000 ms. */
  readonly retry?: { readonly initialMs?: number; readonly maxMs?: number };
  readonly droppableTopics?: readonly BusTopic[];
  /** Largest encoded envelope. Default 8 MiB. */
  readonly maxMessageBytes?: number;
  readonly logger?: BusLogger;
  readonly clock?: BusClock;
  readonly onPublishLatency?: (latencyMs: number, topic: string) => void;
};

/** The in-process bus; `appendRaw` writes raw bytes to a topic (tests of decode-error handling). */
export type MemoryBus = EventBus & {
  appendRaw(topic: BusTopic, value: Uint8Array, key?: string): void;
};

/** Creates an in-process bus, `READY` at once. */
export function createMemoryBus(options: MemoryBusOptions = {}): MemoryBus {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const prefix = options.topicPrefix ?? DEFAULT_TOPIC_PREFIX;
  const maxLag = options.maxLagMessages ?? 100_000;
  const log = createMemoryLog(options.partitions ?? 4);
  const groups = createGroupCoordinator(log, options.retainMessages ?? 10_000);
  const stats = createStatsCollector(options.onPublishLatency);
  const subscriptions = new Set<Subscription>();
  let state: BusState = 'READY';
  let closing: Promise<void> | undefined;

  const append = (name: string, key: string | undefined, spreadBy: string, value: Uint8Array): void => {
    const { partition } = log.append({ topicName: name, key, spreadBy, value, timestampMs: clock.now() });
    groups.retain(tpKey(name, partition));
  };

  const sink: ProducerPort = {
    async send(records) {
      while (groups.lag() >= maxLag && state !== 'STOPPED') await groups.changed();
      for (const r of records) append(r.topicName, r.key, r.eventId, r.value);
      groups.notify();
    },
  };
  const publisher = createPublisher({
    producer: sink,
    clock,
    logger,
    stats,
    prefix,
    droppable: new Set<BusTopic>(options.droppableTopics ?? DEFAULT_DROPPABLE_TOPICS),
    maxMessageBytes: () => options.maxMessageBytes ?? 8 * 1024 * 1024,
    batch: { maxMessages: 500, maxBytes: 1024 * 1024, lingerMs: 0, ...options.batch },
    buffer: { maxMessages: 100_000, maxBytes: 64 * 1024 * 1024, ...options.buffer },
    retry: { initialMs: 100, maxMs: 5_000 },
  });
  const memberDeps = {
    log,
    groups,
    stats,
    logger,
    clock,
    prefix,
    maxBatchMessages: options.maxBatchMessages ?? 500,
    retry: { initialMs: options.retry?.initialMs ?? 100, maxMs: options.retry?.maxMs ?? 5_000 },
  };

  const closed = (): BusError => new BusError('CLOSED', `event bus is ${state}`);
  return {
    state: () => state,
    publish: (envelopes) => (state === 'READY' ? publisher.publish(envelopes) : Promise.reject(closed())),
    flush: () => publisher.flush(),
    subscribe(opts) {
      if (state !== 'READY') return Promise.reject(closed());
      const subscription = startMemoryMember(memberDeps, opts);
      subscriptions.add(subscription);
      return Promise.resolve(subscription);
    },
    stats: () => stats.snapshot({ state, ...publisher.gauges() }),
    appendRaw(topic, value, key) {
      append(topicName(topic, prefix), key, String(clock.now()), value);
      groups.notify();
    },
    close() {
      closing ??= (async () => {
        state = 'DRAINING';
        await Promise.all([...subscriptions].map((s) => s.close()));
        await publisher.drain(1_000);
        state = 'STOPPED';
        groups.notify();
      })();
      return closing;
    },
  };
}

/**
 * The event-bus port. Services depend on {@link EventBus}; `main.ts` wires the
 * Kafka implementation (`createKafkaBus`) or the in-process one
 * (`createMemoryBus`). Both keep the same promises:
 *
 * - `publish` resolves once every envelope is accepted into the bounded buffer
 *   (or dropped, for droppable topics); `flush` resolves once everything accepted
 *   before it is delivered.
 * - Consumption is at least once: a batch's offsets are committed only after its
 *   handler's promise resolves; a rejected handler, a crash or a rebalance means
 *   the uncommitted records are delivered again. Dedupe by `event_id`.
 * - Within one partition, records arrive in publish order; one session's events
 *   share a key and so a partition.
 */
import type { Envelope } from '@nightglow/contracts/events/v1';
import type { BusError } from './errors.js';
import type { BusStats } from './stats.js';
import type { BusTopic } from './topics.js';

/**
 * Lifecycle of a bus: `STARTING` (publish buffers, nothing is sent yet) →
 * `READY` (sending) → `DRAINING` (`close()` called: new publishes are refused,
 * the buffer is flushed) → `STOPPED`.
 */
export type BusState = 'STARTING' | 'READY' | 'DRAINING' | 'STOPPED';

/** Outcome of one `publish` call. */
export type PublishResult = {
  /** Envelopes accepted into the buffer (they will be delivered, barring shutdown). */
  readonly accepted: number;
  /** Droppable envelopes dropped (buffer full, Kafka down, too large); counted in stats. */
  readonly dropped: number;
};

/** Where a consumed record came from. */
export type BusRecordMeta = {
  readonly topic: BusTopic;
  /** Kafka topic name, e.g. `nightglow.alerts`. */
  readonly topicName: string;
  readonly partition: number;
  /** Offset within the partition, a decimal string (Kafka offsets are int64). */
  readonly offset: string;
  /** The Kafka key (session id, else pool), or undefined. */
  readonly key: string | undefined;
  /** The message bytes as stored (for dead-lettering). */
  readonly raw: Uint8Array;
  /** Append time (epoch ms). */
  readonly timestampMs: number;
};

/** A consumed record: a decoded envelope, or the decode error of bytes that are not one. */
export type BusRecord =
  | (BusRecordMeta & { readonly kind: 'event'; readonly envelope: Envelope })
  | (BusRecordMeta & { readonly kind: 'undecodable'; readonly error: BusError });

/** The records of one partition handed to a handler at once, in offset order. */
export type BusBatch = {
  readonly topic: BusTopic;
  readonly topicName: string;
  readonly partition: number;
  readonly records: readonly BusRecord[];
  /**
   * Tells the group this member is alive. The bus already heartbeats while a
   * handler runs; call it only inside a loop that blocks the event loop for long.
   */
  heartbeat(): Promise<void>;
  /** Aborted when the subscription closes: a long handler may stop early (and reject). */
  readonly signal: AbortSignal;
};

/** Handles one batch; the batch is committed only after the promise resolves. */
export type BatchHandler = (batch: BusBatch) => Promise<void>;

/** What to consume and how. */
export type SubscribeOptions = {
  /** Consumer group: members of one group share the partitions; each group sees every record. */
  readonly groupId: string;
  readonly topics: readonly BusTopic[];
  /** Where a group without committed offsets starts: the beginning (true) or the end (default). */
  readonly fromBeginning?: boolean;
  readonly handler: BatchHandler;
};

/**
 * Lifecycle of a subscription: `STARTING` (joining) → `RUNNING` → `STOPPING` →
 * `STOPPED`; or `FAILED` when the consumer died of an error it cannot retry
 * (report it as not ready; `close()` it and subscribe again).
 */
export type SubscriptionState = 'STARTING' | 'RUNNING' | 'STOPPING' | 'STOPPED' | 'FAILED';

/** A running group member. */
export type Subscription = {
  readonly groupId: string;
  state(): SubscriptionState;
  /** Stops fetching, lets a running handler finish (committing if it resolves), leaves the group. */
  close(): Promise<void>;
};

/** The event bus: publish envelopes, consume them in groups, observe it, close it. */
export type EventBus = {
  /** The current lifecycle state. */
  state(): BusState;
  /**
   * Accepts envelopes into the bounded buffer, in order. Resolves when all are
   * accepted or dropped: a full buffer drops droppable ones (measurements) and
   * makes the others wait (backpressure). Rejects with `INVALID_ENVELOPE`,
   * `NO_TOPIC` or `MESSAGE_TOO_LARGE` before accepting any of them, and with
   * `CLOSED` once draining.
   */
  publish(envelopes: readonly Envelope[]): Promise<PublishResult>;
  /** Resolves when everything accepted before the call is delivered (or dropped); rejects `CLOSED` if abandoned at shutdown. */
  flush(): Promise<void>;
  /** Joins `groupId` and starts handing batches to `handler`; resolves once the member is running. */
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** Counters and gauges for metrics; cheap, call it on every scrape. */
  stats(): BusStats;
  /** Stops subscriptions, drains the buffer (bounded by the drain timeout), disconnects. Idempotent. */
  close(): Promise<void>;
};

/**
 * The send loop of a publisher: cuts batches off the head of the buffer by
 * count, bytes or linger and writes them through the {@link ProducerPort}, one
 * batch in flight at a time (so a key's order is kept). A batch that fails
 * transiently is retried unchanged with exponential backoff, forever; a batch
 * refused for good is resent record by record, and a refused single record is
 * dropped (`rejected`), so one poison record cannot block the stream. When a
 * port reports that only part of a batch failed, the written part is settled
 * and only the failed part is retried, before any newer record is sent.
 */
import { backoffMs, type BusClock, type BusLogger, type BusTimer } from './deps.js';
import { BusError } from './errors.js';
import type { OutRecord } from './outgoing.js';
import type { PublishBuffer } from './publish-buffer.js';
import type { StatsCollector } from './stats.js';

/**
 * The part of a batch that failed while the rest of it was written: what a
 * port that writes a batch in independent parts (several producers) resolves
 * with. The loop counts the rest as delivered and retries only `failed`.
 */
export type PartialFailure = { readonly failed: readonly OutRecord[]; readonly error: unknown };

/** Where batches go: kafkajs in production, an in-process log, or a fake in tests. */
export type ProducerPort = {
  /**
   * Writes the batch; rejects with a retryable BusError (try again) or a
   * terminal one (refused), or resolves with a {@link PartialFailure} when only
   * part of it failed.
   */
  send(records: readonly OutRecord[]): Promise<PartialFailure | undefined | void>;
};

/** Batching limits: a batch is cut at `maxMessages` or `maxBytes`, or when its oldest record waited `lingerMs`. */
export type BatchLimits = { readonly maxMessages: number; readonly maxBytes: number; readonly lingerMs: number };

/** Backoff between attempts of a failing batch: doubling from `initialMs` up to `maxMs`. */
export type RetryLimits = { readonly initialMs: number; readonly maxMs: number };

/** Controls of the loop, driven by the publisher. */
export type SendLoop = {
  /** Looks at the buffer and sends a batch if one is due (or arms the linger timer). */
  schedule(): void;
  resume(): void;
  /** False from a failed attempt until the next success: the sink is unreachable. */
  available(): boolean;
  /** Sequence number of the oldest record not yet settled, or Infinity. */
  lowestPending(): number;
  /** Sends records up to `seq` without waiting for linger (flush). */
  hurry(seq: number): void;
  /** Stops for good: cancels timers, ignores the outcome of the batch in flight and returns it. */
  abort(): OutRecord[];
};

/** Inputs of {@link createSendLoop}; `onSettled` runs after every delivery or drop. */
export type SendLoopOptions = {
  readonly buffer: PublishBuffer;
  readonly producer: ProducerPort;
  readonly clock: BusClock;
  readonly logger: BusLogger;
  readonly stats: StatsCollector;
  readonly batch: BatchLimits;
  readonly retry: RetryLimits;
  readonly paused: boolean;
  readonly onSettled: () => void;
};

/** Creates the loop; see the module comment. */
export function createSendLoop(opts: SendLoopOptions): SendLoop {
  const { buffer, clock, logger, stats } = opts;
  let paused = opts.paused;
  let aborted = false;
  let available = true;
  let inflight: OutRecord[] | undefined;
  let failures = 0;
  let outageSince = 0;
  let isolate = 0;
  let hurryUpTo = -1;
  let linger: BusTimer | undefined;
  let retryTimer: BusTimer | undefined;

  const finish = (batch: readonly OutRecord[]): void => {
    inflight = undefined;
    buffer.release(batch);
    opts.onSettled();
    schedule();
  };

  const onAck = (batch: readonly OutRecord[]): void => {
    const now = clock.now();
    if (!available) logger.info({ outageMs: now - outageSince, attempts: failures }, 'event bus: sink available again');
    available = true;
    failures = 0;
    stats.batchSent();
    for (const r of batch) stats.delivered(r.label, now - r.acceptedAt);
    finish(batch);
  };

  /** Part of the batch was written: settle it, and go on with the failed rest as the batch in flight. */
  const onPartial = (batch: readonly OutRecord[], outcome: PartialFailure): void => {
    const failed = new Set(outcome.failed);
    const now = clock.now();
    const written = batch.filter((r) => !failed.has(r));
    for (const r of written) stats.delivered(r.label, now - r.acceptedAt);
    const rest = batch.filter((r) => failed.has(r));
    inflight = rest;
    buffer.release(written);
    opts.onSettled();
    onFail(rest, BusError.from(outcome.error));
  };

  const onFail = (batch: readonly OutRecord[], error: BusError): void => {
    stats.sendFailed();
    if (error.retryable) {
      if (available) {
        outageSince = clock.now();
        logger.warn({ err: error.message, messages: batch.length }, 'event bus: send failed, retrying with backoff');
      }
      available = false;
      retryTimer = clock.setTimeout(
        () => attempt(batch),
        backoffMs(failures++, opts.retry.initialMs, opts.retry.maxMs),
      );
    } else if (batch.length > 1) {
      logger.warn({ err: error.message, messages: batch.length }, 'event bus: batch refused, resending one by one');
      isolate = batch.length;
      inflight = undefined;
      buffer.requeueFront(batch);
      schedule();
    } else {
      for (const r of batch) {
        stats.dropped('rejected', r.label);
        logger.error({ err: error.message, topic: r.topicName, eventId: r.eventId }, 'event bus: record refused');
      }
      finish(batch);
    }
  };

  function attempt(batch: readonly OutRecord[]): void {
    retryTimer = undefined;
    Promise.resolve()
      .then(() => opts.producer.send(batch))
      .then(
        (outcome) => {
          if (aborted) return;
          if (outcome && outcome.failed.length > 0) onPartial(batch, outcome);
          else onAck(batch);
        },
        (error: unknown) => !aborted && onFail(batch, BusError.from(error)),
      )
      .catch((error: unknown) => logger.error({ err: String(error) }, 'event bus: send loop failed'));
  }

  function schedule(): void {
    if (paused || aborted || inflight !== undefined) return;
    const head = buffer.head();
    if (head === undefined) {
      linger?.cancel();
      linger = undefined;
      return;
    }
    const { messages, bytes } = buffer.queued();
    const waited = clock.now() - head.acceptedAt;
    const { maxMessages, maxBytes, lingerMs } = opts.batch;
    const full = messages >= maxMessages || bytes >= maxBytes;
    if (!full && isolate === 0 && head.seq > hurryUpTo && waited < lingerMs) {
      linger ??= clock.setTimeout(() => {
        linger = undefined;
        schedule();
      }, lingerMs - waited);
      return;
    }
    linger?.cancel();
    linger = undefined;
    const batch = isolate > 0 ? buffer.take(1, Infinity) : buffer.take(maxMessages, maxBytes);
    if (isolate > 0) isolate--;
    inflight = batch;
    attempt(batch);
  }

  return {
    schedule,
    resume() {
      paused = false;
      schedule();
    },
    available: () => available,
    lowestPending: () => inflight?.[0]?.seq ?? buffer.head()?.seq ?? Infinity,
    hurry(seq) {
      hurryUpTo = Math.max(hurryUpTo, seq);
      schedule();
    },
    abort() {
      aborted = true;
      linger?.cancel();
      retryTimer?.cancel();
      const lost = inflight ?? [];
      inflight = undefined;
      return lost;
    },
  };
}

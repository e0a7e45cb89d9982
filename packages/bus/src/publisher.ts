/**
 * The publishing pipeline shared by both buses: envelopes are validated and
 * encoded, admitted into the bounded {@link PublishBuffer} (its drop policy
 * and backpressure), and sent by the {@link SendLoop}. `flush` waits for what
 * was accepted before it; `drain` refuses new envelopes, sends the rest and,
 * past its deadline, drops what is left (counted as `shutdown`).
 */
import type { Envelope } from '@nightglow/contracts/events/v1';
import type { BusClock, BusLogger, BusTimer } from './deps.js';
import { BusError } from './errors.js';
import { prepareRecord, type PrepareContext } from './outgoing.js';
import type { PublishResult } from './port.js';
import { createPublishBuffer, type BufferLimits } from './publish-buffer.js';
import { createSendLoop, type BatchLimits, type ProducerPort, type RetryLimits, type SendLoop } from './send-loop.js';
import type { StatsCollector, StatsGauges } from './stats.js';
import { installFastTextEncoding } from './text-encoding.js';

/** Inputs of {@link createPublisher}. */
export type PublisherOptions = PrepareContext & {
  readonly producer: ProducerPort;
  readonly clock: BusClock;
  readonly logger: BusLogger;
  readonly stats: StatsCollector;
  readonly batch: BatchLimits;
  readonly buffer: BufferLimits;
  readonly retry: RetryLimits;
  /** Start without sending (the bus is STARTING); `resume()` starts the send loop. */
  readonly paused?: boolean;
};

/** The publishing half of a bus. */
export type Publisher = {
  publish(envelopes: readonly Envelope[]): Promise<PublishResult>;
  flush(): Promise<void>;
  resume(): void;
  /** Refuses new publishes, sends what is buffered; after `timeoutMs` drops the rest (`shutdown`). */
  drain(timeoutMs: number): Promise<void>;
  gauges(): Omit<StatsGauges, 'state'>;
};

type FlushWaiter = { target: number; resolve: () => void; reject: (e: BusError) => void };

/** Creates the pipeline; see the module comment for its guarantees. */
export function createPublisher(opts: PublisherOptions): Publisher {
  installFastTextEncoding(); // every envelope is encoded here: see text-encoding.ts
  const { clock, logger, stats } = opts;
  let draining = false;
  let lastSeq = -1;
  const flushes: FlushWaiter[] = [];
  const drained: Array<() => void> = [];
  const buffer = createPublishBuffer({ limits: opts.buffer, stats, now: clock.now, onAdmit: () => loop.schedule() });

  const settled = (): void => {
    const low = loop.lowestPending();
    for (let i = flushes.length - 1; i >= 0; i--) {
      const w = flushes[i] as FlushWaiter;
      if (w.target < low) {
        flushes.splice(i, 1);
        w.resolve();
      }
    }
    if (low === Infinity && buffer.waiting() === 0) for (const done of drained.splice(0)) done();
  };

  const loop: SendLoop = createSendLoop({ ...opts, buffer, paused: opts.paused ?? false, onSettled: settled });

  const giveUp = (): void => {
    const inflight = loop.abort();
    const lost = [...inflight, ...buffer.abandon()];
    buffer.release(inflight);
    for (const r of lost) stats.dropped('shutdown', r.label);
    if (lost.length > 0) logger.error({ messages: lost.length }, 'event bus: drain timed out, buffered events dropped');
    for (const w of flushes.splice(0)) w.reject(new BusError('CLOSED', 'bus closed before delivery'));
    for (const done of drained.splice(0)) done();
  };

  return {
    async publish(envelopes) {
      if (draining) throw new BusError('CLOSED', 'event bus is closing: publish refused');
      const prepared = envelopes.map((e) => prepareRecord(e, opts));
      let accepted = 0;
      let dropped = 0;
      for (const { record, tooLarge } of prepared) {
        if (tooLarge) {
          stats.dropped('too_large', record.label);
          dropped++;
          continue;
        }
        const offered = buffer.offer(record, loop.available());
        const outcome = typeof offered === 'string' ? offered : await offered;
        if (outcome === 'dropped') dropped++;
        else {
          accepted++;
          lastSeq = Math.max(lastSeq, record.seq);
        }
      }
      return { accepted, dropped };
    },
    flush() {
      const target = lastSeq;
      if (loop.lowestPending() > target) return Promise.resolve();
      const done = new Promise<void>((resolve, reject) => flushes.push({ target, resolve, reject }));
      loop.hurry(target);
      return done;
    },
    resume: () => loop.resume(),
    async drain(timeoutMs) {
      draining = true;
      loop.hurry(Infinity);
      const empty = new Promise<boolean>((resolve) => {
        drained.push(() => resolve(true));
        settled();
      });
      let timer: BusTimer | undefined;
      const expired = new Promise<boolean>((resolve) => (timer = clock.setTimeout(() => resolve(false), timeoutMs)));
      const clean = await Promise.race([empty, expired]);
      timer?.cancel();
      if (!clean) giveUp();
    },
    gauges: () => ({
      available: loop.available(),
      buffered: buffer.queued(),
      inFlight: buffer.inFlight(),
      waiting: buffer.waiting(),
    }),
  };
}

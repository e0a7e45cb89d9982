/**
 * The bounded publish buffer: a FIFO of encoded records limited by count and
 * bytes (queued plus in flight). Its admission policy is the bus's drop policy:
 *
 * - a droppable record (measurement) is admitted only if it fits, nobody is
 *   waiting, and the sink is available; otherwise it is dropped and counted;
 * - any other record is never dropped: if it does not fit, queued droppable
 *   records are evicted (oldest first) to make room, and if that is not
 *   enough its publisher waits, in FIFO order, until a delivery frees space.
 */
import { BusError } from './errors.js';
import type { OutRecord } from './outgoing.js';
import type { StatsCollector } from './stats.js';

/** Limits of a {@link PublishBuffer}; one record always fits into an empty buffer. */
export type BufferLimits = { readonly maxMessages: number; readonly maxBytes: number };

/** Outcome of offering a record: admitted or dropped (never for non-droppable records). */
export type Admission = 'accepted' | 'dropped';

type Waiter = { record: OutRecord; resolve: (a: Admission) => void; reject: (e: BusError) => void };

/** See the module comment. Counts `published`, `dropped` and `evicted` into the stats collector. */
export type PublishBuffer = {
  /** Admits `record` now (a value) or once space frees (a promise), or drops it if droppable. */
  offer(record: OutRecord, available: boolean): Admission | Promise<Admission>;
  /** The oldest queued record, if any. */
  head(): OutRecord | undefined;
  /** Moves up to `maxMessages` / `maxBytes` (at least one) queued records to in flight. */
  take(maxMessages: number, maxBytes: number): OutRecord[];
  /** Puts in-flight records back at the head, in order (to resend them one by one). */
  requeueFront(records: readonly OutRecord[]): void;
  /** Releases in-flight records (delivered or dropped) and admits waiters that now fit. */
  release(records: readonly OutRecord[]): void;
  /** Drops everything queued and rejects every waiter with `CLOSED`; returns the dropped records. */
  abandon(): OutRecord[];
  queued(): { messages: number; bytes: number };
  inFlight(): { messages: number; bytes: number };
  waiting(): number;
};

/** Creates a buffer; `onAdmit` runs after each admission (the send loop's wake-up), `now` stamps `acceptedAt`. */
export function createPublishBuffer(opts: {
  readonly limits: BufferLimits;
  readonly stats: StatsCollector;
  readonly now: () => number;
  readonly onAdmit: () => void;
}): PublishBuffer {
  const { limits, stats } = opts;
  let queue: OutRecord[] = [];
  let head = 0;
  let droppables: OutRecord[] = [];
  let droppableHead = 0;
  const waiters: Waiter[] = [];
  const q = { messages: 0, bytes: 0 };
  const f = { messages: 0, bytes: 0 };
  let seq = 0;

  const fits = (r: OutRecord): boolean =>
    q.messages + f.messages === 0 ||
    (q.messages + f.messages + 1 <= limits.maxMessages && q.bytes + f.bytes + r.size <= limits.maxBytes);

  const push = (r: OutRecord): void => {
    r.seq = seq++;
    r.acceptedAt = opts.now();
    r.state = 'queued';
    queue.push(r);
    if (r.droppable) droppables.push(r);
    q.messages++;
    q.bytes += r.size;
    stats.accepted(r.label);
  };

  const evictFor = (r: OutRecord): boolean => {
    while (!fits(r) && droppableHead < droppables.length) {
      const victim = droppables[droppableHead++];
      if (victim?.state !== 'queued') continue;
      victim.state = 'evicted';
      q.messages--;
      q.bytes -= victim.size;
      stats.dropped('evicted', victim.label);
    }
    if (droppableHead > 1024 && droppableHead * 2 > droppables.length) {
      droppables = droppables.slice(droppableHead);
      droppableHead = 0;
    }
    return fits(r);
  };

  const skipDead = (): void => {
    while (head < queue.length && queue[head]?.state !== 'queued') head++;
    if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
  };

  const admitWaiters = (): void => {
    let admitted = false;
    while (waiters.length > 0) {
      const next = waiters[0] as Waiter;
      if (!fits(next.record) && !evictFor(next.record)) break;
      waiters.shift();
      push(next.record);
      next.resolve('accepted');
      admitted = true;
    }
    if (admitted) opts.onAdmit();
  };

  return {
    offer(record, available) {
      if (record.droppable) {
        if (waiters.length === 0 && available && fits(record)) {
          push(record);
          opts.onAdmit();
          return 'accepted';
        }
        stats.dropped(available ? 'buffer_full' : 'unavailable', record.label);
        return 'dropped';
      }
      if (waiters.length === 0 && (fits(record) || evictFor(record))) {
        push(record);
        opts.onAdmit();
        return 'accepted';
      }
      return new Promise<Admission>((resolve, reject) => waiters.push({ record, resolve, reject }));
    },
    head() {
      skipDead();
      return queue[head];
    },
    take(maxMessages, maxBytes) {
      const batch: OutRecord[] = [];
      let bytes = 0;
      for (skipDead(); head < queue.length && batch.length < maxMessages; skipDead()) {
        const r = queue[head] as OutRecord;
        if (batch.length > 0 && bytes + r.size > maxBytes) break;
        head++;
        r.state = 'inflight';
        batch.push(r);
        bytes += r.size;
      }
      q.messages -= batch.length;
      q.bytes -= bytes;
      f.messages += batch.length;
      f.bytes += bytes;
      return batch;
    },
    requeueFront(records) {
      const live = records.filter((r) => r.state === 'inflight');
      for (const r of live) {
        r.state = 'queued';
        f.messages--;
        f.bytes -= r.size;
        q.messages++;
        q.bytes += r.size;
      }
      queue = [...live, ...queue.slice(head)];
      head = 0;
    },
    release(records) {
      for (const r of records) {
        if (r.state !== 'inflight') continue;
        r.state = 'done';
        f.messages--;
        f.bytes -= r.size;
      }
      admitWaiters();
    },
    abandon() {
      const dropped = queue.slice(head).filter((r) => r.state === 'queued');
      for (const r of dropped) r.state = 'done';
      queue = [];
      head = 0;
      droppables = [];
      droppableHead = 0;
      q.messages = 0;
      q.bytes = 0;
      for (const w of waiters.splice(0))
        w.reject(new BusError('CLOSED', 'bus closed before the envelope was accepted'));
      return dropped;
    },
    queued: () => ({ ...q }),
    inFlight: () => ({ ...f }),
    waiting: () => waiters.length,
  };
}

/**
 * The live tail behind WatchEvents. Events get `seq` numbers under the ingest
 * lock, so `seq` order is commit order and "everything after the last seq I
 * sent" has no gap and no duplicate. Each watcher runs its own cursor loop:
 * query `seq > cursor` with its filters, send, and when caught up sleep until
 * woken. Wake-ups come from `wake()` (the local ingest commit) and from
 * LISTEN `nightglow_events` (commits of any replica sharing the PostgreSQL
 * database), with a fallback poll so a lost notification costs at most
 * `pollMs`.
 *
 * Lifecycle: `RUNNING` after `start()` → `STOPPED` after `close()`, which ends
 * every watch.
 */
import type { StoredEvent } from '@nightglow/contracts/records/v1';
import type { Clock } from '@nightglow/runtime';
import type { RecordDb } from '../db/port.js';
import { ms, params } from '../db/sql.js';
import { EVENTS_CHANNEL } from '../ingest/write-events.js';
import { EVENT_COLUMNS, eventConditions, toStoredEvent, type EventFilter, type EventRow } from './event-filter.js';

/** The live tail. */
export type EventTail = {
  /** Starts listening for other replicas' commits. */
  start(): Promise<void>;
  /** Wakes every caught-up watcher (called after a local commit). */
  wake(): void;
  /**
   * Streams matching events: first those ingested at or after `startMs` (when
   * given), then live ones, until `signal` aborts or the tail closes.
   */
  watch(filter: EventFilter, startMs: number | undefined, signal: AbortSignal): AsyncGenerator<StoredEvent>;
  /** Number of running watches. */
  watchers(): number;
  close(): Promise<void>;
};

/** Options of {@link createEventTail}. */
export type EventTailOptions = {
  readonly db: RecordDb;
  readonly clock: Clock;
  /** Fallback poll period. Default 500 ms. */
  readonly pollMs?: number;
  /** Rows fetched per query. Default 1000. */
  readonly fetchSize?: number;
};

/** Creates the tail (see the module comment). */
export function createEventTail(opts: EventTailOptions): EventTail {
  const pollMs = opts.pollMs ?? 500;
  const fetchSize = opts.fetchSize ?? 1000;
  let waiters: (() => void)[] = [];
  let unlisten: (() => Promise<void>) | undefined;
  const closing = new AbortController();
  let running = 0;

  const wake = (): void => {
    const w = waiters;
    waiters = [];
    for (const fn of w) fn();
  };
  const nextWake = (signal: AbortSignal): Promise<void> =>
    new Promise<void>((resolve) => {
      const timer = opts.clock.setTimeout(done, pollMs);
      function done(): void {
        timer.cancel();
        signal.removeEventListener('abort', done);
        resolve();
      }
      waiters.push(done);
      signal.addEventListener('abort', done, { once: true });
    });

  async function* watch(filter: EventFilter, startMs: number | undefined, signal: AbortSignal) {
    const stop = AbortSignal.any([signal, closing.signal]);
    running++;
    try {
      let cursor = startMs === undefined ? await maxSeq() : await seqBefore(startMs);
      while (!stop.aborted) {
        const woken = nextWake(stop);
        const rows = await fetch(filter, cursor, startMs);
        for (const row of rows) {
          cursor = Math.max(cursor, Number(row.seq));
          yield toStoredEvent(row);
          if (stop.aborted) return;
        }
        if (rows.length < fetchSize) await woken;
      }
    } finally {
      running--;
    }
  }

  async function maxSeq(): Promise<number> {
    const r = await opts.db.query<{ s: number | null }>('SELECT max(seq)::float8 AS s FROM events');
    return Number(r.rows[0]?.s ?? 0);
  }

  /**
   * A seq from which replaying `ingest_time >= startMs` misses nothing: a
   * binary search over the seq index (ingest time grows with seq, give or
   * take the write time of one batch, covered by a one-minute margin), so a
   * replay never scans the table from the start.
   */
  async function seqBefore(startMs: number): Promise<number> {
    const probe = async (seq: number): Promise<number | undefined> => {
      const r = await opts.db.query<{ t: number }>(
        `SELECT ${ms('ingest_time')} AS t FROM events WHERE seq >= $1 ORDER BY seq LIMIT 1`,
        [seq],
      );
      return r.rows[0] === undefined ? undefined : Number(r.rows[0].t);
    };
    const target = startMs - 60_000;
    let lo = 0;
    let hi = await maxSeq();
    while (lo < hi) {
      const mid = Math.floor((lo + hi + 1) / 2);
      const t = await probe(mid);
      if (t !== undefined && t < target) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  async function fetch(filter: EventFilter, cursor: number, startMs: number | undefined): Promise<EventRow[]> {
    const p = params();
    const where = [`seq > ${p.add(cursor)}`, ...eventConditions(filter, p)];
    if (startMs !== undefined) where.push(`ingest_time >= to_timestamp(${p.add(startMs)} / 1000.0)`);
    const r = await opts.db.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ${fetchSize}`,
      p.values,
    );
    return r.rows;
  }

  return {
    start: async () => {
      unlisten = await opts.db.listen(EVENTS_CHANNEL, wake);
    },
    wake,
    watch,
    watchers: () => running,
    close: async () => {
      closing.abort();
      wake();
      await unlisten?.();
    },
  };
}

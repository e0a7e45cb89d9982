/**
 * Capacity of a pool shared by every broker replica on one Redis: the seats
 * and the FIFO queue live in the {@link SeatLedger}, so N replicas admit at
 * most `maxSessions` together and a request never overtakes an earlier one,
 * whichever replica took either. This replica keeps its own waiters (each with
 * its timeout on the injected clock) and asks the ledger again whenever a seat
 * is freed anywhere (the ledger's announcement) and every `pollEveryMs` (a
 * missed announcement, a crashed replica's seats). The same pass sweeps the
 * ledger: entries of replicas whose heartbeat lapsed, and entries this replica
 * holds but no longer knows, are freed.
 *
 * Waiter lifecycle: `admit` → queued → (granted | timed out → QUEUE_TIMEOUT | cancelled → CANCELLED).
 */
import type { Clock, Logger, TimerHandle } from '@nightglow/runtime';
import { BrokerError } from '../errors.js';
import type { SeatLedger } from '../store/port.js';
import type { PositionChange } from './capacity-queue.js';
import type { Admission, PoolCapacity } from './pool-capacity.js';

/** Options of {@link createSharedCapacity}. */
export type SharedCapacityOptions = {
  readonly pool: string;
  readonly maxInUse: number;
  readonly maxQueued: number;
  readonly ledger: SeatLedger;
  readonly replicaId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Period of the re-check and sweep pass, ms. */
  readonly pollEveryMs: number;
  /** Told about every local waiter whose pool-wide position changed. */
  readonly onPositions?: (changes: readonly PositionChange[]) => void;
};

type Waiter = {
  readonly id: string;
  position: number;
  readonly resolve: () => void;
  readonly reject: (e: BrokerError) => void;
  readonly timer: TimerHandle;
};

function exhausted(reason: 'QUEUE_FULL' | 'QUEUE_TIMEOUT', message: string, queueLength: number): BrokerError {
  return new BrokerError('RESOURCE_EXHAUSTED', message, { reason, metadata: { queueLength: String(queueLength) } });
}

/** Creates the shared capacity of one pool; call `close()` to stop its timer. */
export function createSharedCapacity(o: SharedCapacityOptions): PoolCapacity {
  const held = new Set<string>();
  const asking = new Set<string>();
  const waiters = new Map<string, Waiter>();
  let known = { inUse: 0, queued: 0 };
  let timer: TimerHandle | undefined;
  let closed = false;
  let running: Promise<void> | undefined;
  let again: { sweep: boolean } | undefined;
  const warn = (what: string) => (e: unknown) => o.logger.warn({ err: e, pool: o.pool }, what);
  const request = (id: string, mayQueue: boolean) =>
    o.ledger.admit({
      pool: o.pool,
      id,
      replicaId: o.replicaId,
      maxSeats: o.maxInUse,
      maxQueued: o.maxQueued,
      mayQueue,
    });
  const free = (id: string): void => {
    o.ledger.release(o.pool, id).then(() => recheck(), warn('freeing a seat failed'));
  };

  /** Asks the ledger for every local waiter, oldest first; grants, reports moves, frees stale grants. */
  const pass = async (sweep: boolean): Promise<void> => {
    const changes: PositionChange[] = [];
    for (const w of [...waiters.values()]) {
      const r = await request(w.id, true);
      const current = waiters.get(w.id);
      if (r.kind === 'granted') {
        if (current === undefined)
          free(w.id); // timed out or cancelled meanwhile
        else {
          waiters.delete(w.id);
          current.timer.cancel();
          held.add(w.id);
          current.resolve();
        }
      } else if (r.kind === 'queued' && current !== undefined && current.position !== r.position) {
        current.position = r.position;
        changes.push({ id: w.id, position: r.position });
      }
    }
    if (changes.length > 0) o.onPositions?.(changes);
    known = sweep
      ? await o.ledger.sweep(o.pool, o.replicaId, [...held, ...asking, ...waiters.keys()])
      : await o.ledger.figures(o.pool);
  };
  const run = (sweep: boolean): Promise<void> => {
    if (running !== undefined) {
      again = { sweep: sweep || again?.sweep === true };
      return running;
    }
    running = pass(sweep)
      .catch(warn('seat pass failed'))
      .finally(() => {
        running = undefined;
        const next = again;
        again = undefined;
        if (next !== undefined && !closed) void run(next.sweep);
      });
    return running;
  };
  const recheck = (): void => {
    if (!closed && waiters.size > 0) void run(false);
  };
  const tick = (): void => {
    if (closed) return;
    void run(true).then(() => {
      if (!closed) timer = o.clock.setTimeout(tick, o.pollEveryMs);
    });
  };
  const unsubscribe = o.ledger.onFreed((pool) => {
    if (pool === o.pool) recheck();
  });
  timer = o.clock.setTimeout(tick, o.pollEveryMs);

  const remove = (id: string): Waiter | undefined => {
    const w = waiters.get(id);
    if (w === undefined) return undefined;
    waiters.delete(id);
    w.timer.cancel();
    free(id);
    return w;
  };

  return {
    scope: 'pool',
    async admit(id, timeoutMs) {
      asking.add(id);
      let r;
      try {
        r = await request(id, timeoutMs > 0);
      } catch (e) {
        throw new BrokerError('UNAVAILABLE', `the seats of pool ${o.pool} cannot be reached; try again`, { cause: e });
      } finally {
        asking.delete(id);
      }
      known = { inUse: known.inUse, queued: r.queueLength };
      if (r.kind === 'granted') {
        held.add(id);
        return { granted: true } satisfies Admission;
      }
      if (r.kind === 'refused') {
        if (r.reason === 'NO_WAIT') {
          const why = `pool ${o.pool} is at capacity and queue_timeout is 0`;
          throw exhausted('QUEUE_TIMEOUT', why, r.queueLength);
        }
        const why = `pool ${o.pool} is at capacity and its queue is full (${r.queueLength} waiting)`;
        throw exhausted('QUEUE_FULL', why, r.queueLength);
      }
      const seat = new Promise<void>((resolve, reject) => {
        const onTimeout = (): void => {
          if (remove(id) === undefined) return;
          const why = `waited ${timeoutMs} ms in the queue of pool ${o.pool}`;
          reject(exhausted('QUEUE_TIMEOUT', why, Math.max(known.queued, r.position)));
        };
        const timer = o.clock.setTimeout(onTimeout, timeoutMs);
        waiters.set(id, { id, position: r.position, resolve, reject, timer });
      });
      recheck(); // a seat may have been freed between the answer and now
      return { granted: false, position: r.position, seat };
    },
    cancel(id, why = 'cancelled') {
      const w = remove(id);
      if (w === undefined) return false;
      w.reject(new BrokerError('CANCELLED', why, { metadata: { queueLength: String(known.queued) } }));
      return true;
    },
    release(id) {
      if (held.delete(id)) free(id);
    },
    inUse: () => known.inUse,
    queued: () => known.queued,
    async figures() {
      known = await o.ledger.figures(o.pool);
      return known;
    },
    close() {
      closed = true;
      timer?.cancel();
      unsubscribe();
    },
  };
}

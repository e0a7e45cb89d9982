/**
 * The capacity port of one pool, as the CreateSession flow and the owner side
 * use it: admit (a seat now, a place in the FIFO queue, or RESOURCE_EXHAUSTED),
 * cancel a waiter, release a seat, and the figures GetPool shows. Two
 * implementations: {@link localCapacity} (this replica's seats only: local pools
 * and single-replica brokers) and `shared-capacity.ts` (seats and queue shared
 * by every replica on the same Redis: static and kubernetes pools).
 */
import type { BrokerError } from '../errors.js';
import type { CapacityQueue } from './capacity-queue.js';

/** Outcome of {@link PoolCapacity.admit}. */
export type Admission =
  | { readonly granted: true }
  /** Waiting at 1-based `position`; `seat` resolves when granted and rejects like {@link CapacityQueue.enqueue}. */
  | { readonly granted: false; readonly position: number; readonly seat: Promise<void> };

/** One pool's capacity. */
export type PoolCapacity = {
  /** Whether the seats are shared by every replica (pool-wide) or this replica's own. */
  readonly scope: 'replica' | 'pool';
  /**
   * Takes a seat for `id`, or a place in the FIFO queue waiting at most `timeoutMs`.
   * Rejects with RESOURCE_EXHAUSTED (`QUEUE_FULL`, or `QUEUE_TIMEOUT` when `timeoutMs`
   * is 0) carrying `queueLength`, as {@link CapacityQueue.refusal} does.
   */
  admit(id: string, timeoutMs: number): Promise<Admission>;
  /** Removes a waiter (its seat promise rejects with CANCELLED); false if it was not waiting here. */
  cancel(id: string, why?: string): boolean;
  /** Frees `id`'s seat (no-op when it holds none); the head of the queue gets it. */
  release(id: string): void;
  /** Seats taken and requests waiting, as last known (pool-wide for a shared pool). */
  inUse(): number;
  queued(): number;
  /** Current figures (a shared pool asks the ledger). */
  figures(): Promise<{ readonly inUse: number; readonly queued: number }>;
  /** Stops timers; waiters are left to their sessions' cleanup. */
  close(): void;
};

/** A {@link PoolCapacity} over this replica's own {@link CapacityQueue}. */
export function localCapacity(queue: CapacityQueue): PoolCapacity {
  return {
    scope: 'replica',
    admit(id, timeoutMs) {
      if (queue.tryAcquire(id)) return Promise.resolve({ granted: true });
      const refused: BrokerError | undefined = queue.refusal(timeoutMs);
      if (refused !== undefined) return Promise.reject(refused);
      const seat = queue.enqueue(id, timeoutMs);
      return Promise.resolve({ granted: false, position: queue.position(id), seat });
    },
    cancel: (id, why) => queue.cancel(id, why),
    release: (id) => queue.release(id),
    inUse: () => queue.inUse(),
    queued: () => queue.queued(),
    figures: () => Promise.resolve({ inUse: queue.inUse(), queued: queue.queued() }),
    close: () => undefined,
  };
}

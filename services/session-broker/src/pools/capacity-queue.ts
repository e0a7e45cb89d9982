/**
 * Capacity of one pool on this replica: at most `maxInUse` slots, and a FIFO
 * queue of at most `maxQueued` waiters, each with its own timeout on the
 * injected clock. A freed slot always goes to the head of the queue; a new
 * request never overtakes a waiter.
 *
 * Waiter lifecycle: `enqueue` → (granted | timed out → QUEUE_TIMEOUT | cancelled → CANCELLED).
 */
import type { Clock, TimerHandle } from '@nightglow/runtime';
import { BrokerError } from '../errors.js';

/** A waiter whose 1-based queue position changed. */
export type PositionChange = { readonly id: string; readonly position: number };

/** Options of {@link createCapacityQueue}. */
export type CapacityQueueOptions = {
  readonly pool: string;
  readonly maxInUse: number;
  readonly maxQueued: number;
  readonly clock: Clock;
  /** Told about every waiter that moved forward (for QUEUE_POSITION_CHANGED events). */
  readonly onPositions?: (changes: readonly PositionChange[]) => void;
};

/** One pool's slots and queue. */
export type CapacityQueue = {
  /** Why a request that found no free slot may not queue (queue full, no wait allowed); undefined if it may. */
  refusal(timeoutMs: number): BrokerError | undefined;
  /** Takes a slot now if one is free and nobody waits. */
  tryAcquire(id: string): boolean;
  /**
   * Waits in line for a slot. Rejects at once with RESOURCE_EXHAUSTED/QUEUE_FULL when the
   * queue is full; later with QUEUE_TIMEOUT after `timeoutMs`, or CANCELLED after `cancel(id)`.
   * Both carry `queueLength` in their metadata.
   */
  enqueue(id: string, timeoutMs: number): Promise<void>;
  /** Removes a waiter (it rejects with CANCELLED); false if it was not waiting. */
  cancel(id: string, why?: string): boolean;
  /** Frees `id`'s slot (no-op if it holds none) and grants it to the head of the queue. */
  release(id: string): void;
  holds(id: string): boolean;
  /** 1-based position of a waiter; 0 when not waiting. */
  position(id: string): number;
  inUse(): number;
  queued(): number;
};

type Waiter = { id: string; resolve: () => void; reject: (e: BrokerError) => void; timer: TimerHandle };

function exhausted(reason: 'QUEUE_FULL' | 'QUEUE_TIMEOUT', message: string, queueLength: number): BrokerError {
  return new BrokerError('RESOURCE_EXHAUSTED', message, { reason, metadata: { queueLength: String(queueLength) } });
}

/** Creates the capacity queue of one pool. */
export function createCapacityQueue(opts: CapacityQueueOptions): CapacityQueue {
  const slots = new Set<string>();
  const queue: Waiter[] = [];
  const reportFrom = (index: number): void => {
    if (index >= queue.length || opts.onPositions === undefined) return;
    opts.onPositions(queue.slice(index).map((w, i) => ({ id: w.id, position: index + i + 1 })));
  };
  const removeAt = (index: number): Waiter | undefined => {
    const [w] = queue.splice(index, 1);
    if (w === undefined) return undefined;
    w.timer.cancel();
    reportFrom(index);
    return w;
  };
  const grant = (): void => {
    while (slots.size < opts.maxInUse && queue.length > 0) {
      const w = removeAt(0);
      if (w === undefined) return;
      slots.add(w.id);
      w.resolve();
    }
  };
  const refusal = (timeoutMs: number): BrokerError | undefined => {
    if (timeoutMs <= 0) {
      return exhausted('QUEUE_TIMEOUT', `pool ${opts.pool} is at capacity and queue_timeout is 0`, queue.length);
    }
    if (queue.length >= opts.maxQueued) {
      const why = `pool ${opts.pool} is at capacity and its queue is full (${queue.length} waiting)`;
      return exhausted('QUEUE_FULL', why, queue.length);
    }
    return undefined;
  };
  return {
    refusal,
    tryAcquire(id) {
      if (slots.has(id)) return true;
      if (slots.size >= opts.maxInUse || queue.length > 0) return false;
      slots.add(id);
      return true;
    },
    enqueue(id, timeoutMs) {
      const refused = refusal(timeoutMs);
      if (refused !== undefined) return Promise.reject(refused);
      return new Promise<void>((resolve, reject) => {
        const timer = opts.clock.setTimeout(() => {
          const index = queue.findIndex((w) => w.id === id);
          if (index < 0) return;
          const length = queue.length;
          removeAt(index);
          reject(exhausted('QUEUE_TIMEOUT', `waited ${timeoutMs} ms in the queue of pool ${opts.pool}`, length));
        }, timeoutMs);
        queue.push({ id, resolve, reject, timer });
        grant();
      });
    },
    cancel(id, why = 'cancelled') {
      const index = queue.findIndex((w) => w.id === id);
      if (index < 0) return false;
      const length = queue.length;
      removeAt(index)?.reject(new BrokerError('CANCELLED', why, { metadata: { queueLength: String(length) } }));
      return true;
    },
    release(id) {
      if (slots.delete(id)) grant();
    },
    holds: (id) => slots.has(id),
    position: (id) => queue.findIndex((w) => w.id === id) + 1,
    inUse: () => slots.size,
    queued: () => queue.length,
  };
}

/**
 * A rate-limited work queue with client-go's guarantees:
 * - a key is queued at most once (adds of a queued key are merged);
 * - a key is never handed to two workers at once: a key added while it is
 *   being processed is queued again only when its worker calls `done`;
 * - delayed adds (`addAfter`) keep only the earliest pending time per key;
 * - `addRateLimited` waits the rate limiter's delay (per-key exponential
 *   backoff + overall token bucket); `forget` resets a key's backoff.
 *
 * Lifecycle: RUNNING → SHUT_DOWN. After `shutDown`, adds are ignored and
 * every waiting and later `get` resolves undefined.
 */
import type { Clock, TimerHandle } from '@nightglow/runtime';
import type { RateLimiter } from './backoff.js';

/** The queue a controller's workers take keys from. */
export type WorkQueue = {
  add(key: string): void;
  /** Adds `key` after `ms` (at once when ms <= 0). */
  addAfter(key: string, ms: number): void;
  /** Adds `key` after the rate limiter's delay for it. */
  addRateLimited(key: string): void;
  /** Resets `key`'s failure count. */
  forget(key: string): void;
  /** Failures of `key` since the last forget. */
  numRequeues(key: string): number;
  /** The next key, waiting for one; undefined once shut down. */
  get(): Promise<string | undefined>;
  /** Marks `key` as processed; re-queues it if it was added meanwhile. */
  done(key: string): void;
  /** Keys waiting (not counting delayed or in-process keys). */
  len(): number;
  shutDown(): void;
  isShutDown(): boolean;
};

/** Options of {@link createWorkQueue}. */
export type WorkQueueOptions = {
  readonly clock: Clock;
  readonly rateLimiter: RateLimiter;
  /** Called with the queue length after every change (the depth gauge). */
  readonly onDepth?: (depth: number) => void;
};

/** Creates a {@link WorkQueue}. */
export function createWorkQueue(opts: WorkQueueOptions): WorkQueue {
  const queue: string[] = [];
  const dirty = new Set<string>();
  const processing = new Set<string>();
  const waiting: ((key: string | undefined) => void)[] = [];
  const delayed = new Map<string, { at: number; timer: TimerHandle }>();
  let shutdown = false;

  const depth = (): void => opts.onDepth?.(queue.length);
  const push = (key: string): void => {
    const w = waiting.shift();
    if (w) {
      dirty.delete(key);
      processing.add(key);
      w(key);
      return;
    }
    queue.push(key);
    depth();
  };

  const q: WorkQueue = {
    add(key) {
      if (shutdown || dirty.has(key)) return;
      dirty.add(key);
      if (processing.has(key)) return;
      push(key);
    },
    addAfter(key, ms) {
      if (shutdown) return;
      if (ms <= 0) return q.add(key);
      const at = opts.clock.now() + ms;
      const pending = delayed.get(key);
      if (pending && pending.at <= at) return;
      pending?.timer.cancel();
      const timer = opts.clock.setTimeout(() => {
        delayed.delete(key);
        q.add(key);
      }, ms);
      delayed.set(key, { at, timer });
    },
    addRateLimited: (key) => q.addAfter(key, opts.rateLimiter.when(key)),
    forget: (key) => opts.rateLimiter.forget(key),
    numRequeues: (key) => opts.rateLimiter.failures(key),
    get() {
      if (shutdown) return Promise.resolve(undefined);
      const key = queue.shift();
      if (key !== undefined) {
        dirty.delete(key);
        processing.add(key);
        depth();
        return Promise.resolve(key);
      }
      return new Promise((resolve) => waiting.push(resolve));
    },
    done(key) {
      processing.delete(key);
      if (dirty.has(key) && !shutdown) push(key);
    },
    len: () => queue.length,
    shutDown() {
      shutdown = true;
      for (const d of delayed.values()) d.timer.cancel();
      delayed.clear();
      for (const w of waiting.splice(0)) w(undefined);
    },
    isShutDown: () => shutdown,
  };
  return q;
}

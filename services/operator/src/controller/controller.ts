/**
 * The controller runner, in controller-runtime's shape: N workers take keys
 * from a rate-limited work queue and call `reconcile(key)`.
 * - success → the key's backoff is forgotten; `requeueAfterMs` re-adds it later;
 * - a retryable error → re-added with per-key exponential backoff;
 * - a terminal error (`retryable: false`) → logged, not retried: the object
 *   is revisited on its next change or resync.
 * A key is never reconciled by two workers at once (the queue guarantees it).
 *
 * Lifecycle: NEW → (start) RUNNING → (stop) STOPPING → STOPPED; `stop` lets
 * running reconciles finish.
 */
import type { Clock, Logger } from '@nightglow/runtime';
import { OperatorError } from '../errors.js';
import type { ControllerMetrics } from './metrics.js';
import type { WorkQueue } from './work-queue.js';

/** What a reconcile asks for next. */
export type ReconcileResult = { readonly requeueAfterMs?: number };

/** A reconciler: level-triggered and idempotent; a missing object means done. */
export type Reconciler = (key: string) => Promise<ReconcileResult>;

/** A running controller. */
export type Controller = {
  readonly name: string;
  readonly queue: WorkQueue;
  start(): void;
  stop(): Promise<void>;
};

/** Options of {@link createController}. */
export type ControllerOptions = {
  readonly name: string;
  readonly queue: WorkQueue;
  readonly reconcile: Reconciler;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics?: ControllerMetrics | undefined;
  /** Concurrent reconciles; default 2. */
  readonly workers?: number;
};

/** Creates a controller over `queue`; nothing runs before `start()`. */
export function createController(opts: ControllerOptions): Controller {
  const log = opts.logger.child({ controller: opts.name });
  const m = opts.metrics;
  const count = (result: string): void => m?.reconciles.child(opts.name, result).inc();
  let workers: Promise<void>[] = [];

  async function handle(key: string): Promise<void> {
    const started = opts.clock.now();
    try {
      const result = await opts.reconcile(key);
      opts.queue.forget(key);
      if (result.requeueAfterMs !== undefined && result.requeueAfterMs >= 0) {
        opts.queue.addAfter(key, result.requeueAfterMs);
        count('requeue');
      } else {
        count('success');
      }
    } catch (e) {
      const err = OperatorError.from(e);
      m?.errors.child(opts.name, err.code).inc();
      if (err.retryable) {
        count('error');
        log.warn({ key, err, failures: opts.queue.numRequeues(key) + 1 }, 'reconcile failed: retrying with backoff');
        opts.queue.addRateLimited(key);
      } else {
        count('terminal');
        opts.queue.forget(key);
        log.error({ key, err }, 'reconcile failed permanently: waiting for the object to change');
      }
    } finally {
      m?.duration.child(opts.name).observe((opts.clock.now() - started) / 1000);
      opts.queue.done(key);
    }
  }

  async function worker(): Promise<void> {
    for (;;) {
      const key = await opts.queue.get();
      if (key === undefined) return;
      await handle(key);
    }
  }

  return {
    name: opts.name,
    queue: opts.queue,
    start() {
      if (workers.length) return;
      workers = Array.from({ length: opts.workers ?? 2 }, () => worker());
    },
    async stop() {
      opts.queue.shutDown();
      await Promise.all(workers);
    },
  };
}

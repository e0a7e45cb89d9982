/**
 * The live fan-out behind StreamMeasurements: each subscriber has a filter and a
 * bounded queue. A subscriber that cannot keep up loses its oldest queued
 * measurements (counted) rather than slowing the sidecar.
 */
import type { InstrumentKind, Measurement } from '@nightglow/contracts/instrumentation/v1';

/** Filters of a subscription; they combine with AND, empty matches everything. */
export type MeasurementFilter = {
  readonly instruments: readonly string[];
  readonly metrics: readonly string[];
  readonly kinds: readonly InstrumentKind[];
  readonly sessionId: string;
  readonly taskId: string;
  readonly pool: string;
};

/** True when `m` passes `f`. */
export function matches(f: MeasurementFilter, m: Measurement): boolean {
  if (f.instruments.length > 0 && !f.instruments.includes(m.instrument)) return false;
  if (f.metrics.length > 0 && !f.metrics.includes(m.metric)) return false;
  if (f.kinds.length > 0 && !f.kinds.includes(m.kind)) return false;
  if (f.sessionId !== '' && f.sessionId !== m.sessionId) return false;
  if (f.taskId !== '' && f.taskId !== m.taskId) return false;
  return f.pool === '' || f.pool === m.pool;
}

/** The hub. */
export type MeasurementHub = {
  publish(m: Measurement): void;
  /** Yields matching measurements until `signal` aborts or the hub closes. */
  subscribe(filter: MeasurementFilter, signal: AbortSignal): AsyncIterable<Measurement>;
  subscribers(): number;
  /** Measurements a slow subscriber lost. */
  dropped(): number;
  /** Ends every subscription. */
  close(): void;
};

type Sub = { filter: MeasurementFilter; queue: Measurement[]; wake: (() => void) | undefined; done: boolean };

/** Creates a hub; each subscriber queues at most `maxQueue` measurements (default 1000). */
export function createMeasurementHub(maxQueue = 1000): MeasurementHub {
  const subs = new Set<Sub>();
  let lost = 0;
  const wake = (s: Sub): void => {
    const w = s.wake;
    s.wake = undefined;
    w?.();
  };
  return {
    publish(m) {
      for (const s of subs) {
        if (!matches(s.filter, m)) continue;
        s.queue.push(m);
        if (s.queue.length > maxQueue) {
          s.queue.shift();
          lost += 1;
        }
        wake(s);
      }
    },
    async *subscribe(filter, signal) {
      const sub: Sub = { filter, queue: [], wake: undefined, done: false };
      subs.add(sub);
      const onAbort = (): void => {
        sub.done = true;
        wake(sub);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        while (!sub.done && !signal.aborted) {
          const next = sub.queue.shift();
          if (next !== undefined) yield next;
          else await new Promise<void>((resolve) => (sub.wake = resolve));
        }
      } finally {
        signal.removeEventListener('abort', onAbort);
        subs.delete(sub);
      }
    },
    subscribers: () => subs.size,
    dropped: () => lost,
    close() {
      for (const s of subs) {
        s.done = true;
        wake(s);
      }
    },
  };
}

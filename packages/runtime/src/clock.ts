/**
 * Time as a port: TTLs, idle reaping, retries and backoff take a Clock so tests
 * drive time instead of sleeping.
 */

/** A cancellable timer handle. */
export type TimerHandle = { cancel(): void };

/** The source of time and timers. */
export type Clock = {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once after `ms`; the handle cancels it. Timers do not keep the process alive. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Resolves after `ms`, or rejects with the signal's reason when aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
};

/** The wall clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(t);
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** A clock for tests: time moves only when `advance` is called, firing due timers in order. */
export type ManualClock = Clock & { advance(ms: number): void; pendingTimers(): number };

/** Creates a {@link ManualClock} starting at `start` (epoch ms). */
export function createManualClock(start = 0): ManualClock {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock: ManualClock = {
    now: () => now,
    setTimeout(fn, ms) {
      const id = seq++;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return { cancel: () => void timers.delete(id) };
    },
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason as Error);
        const h = clock.setTimeout(resolve, ms);
        signal?.addEventListener(
          'abort',
          () => {
            h.cancel();
            reject(signal.reason as Error);
          },
          { once: true },
        );
      }),
    advance(ms) {
      const target = now + ms;
      for (;;) {
        const due = [...timers.entries()]
          .filter(([, t]) => t.at <= target)
          .sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = target;
    },
    pendingTimers: () => timers.size,
  };
  return clock;
}

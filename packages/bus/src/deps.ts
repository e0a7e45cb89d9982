/**
 * The two small ports the bus needs from its host: a logger and a clock. Both
 * are structurally compatible with what services already have (a pino logger,
 * the runtime's `Clock`), so the bus imports neither.
 */

/** A pino-compatible logger: `logger.warn({ topic }, 'message')`. */
export type BusLogger = {
  debug(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
};

/** A logger that discards everything: the default when none is given. */
export const silentLogger: BusLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** A cancellable timer. */
export type BusTimer = { cancel(): void };

/**
 * Time as a port: linger, retry backoff and latency use it, so tests drive time
 * instead of sleeping. The runtime's `Clock` satisfies it.
 */
export type BusClock = {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds; the returned timer cancels it. */
  setTimeout(fn: () => void, ms: number): BusTimer;
};

/** The wall clock. Its timers do not keep the process alive (`unref`). */
export const systemClock: BusClock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

/**
 * Resolves after `ms` on `clock`, or early (without rejecting) when `signal` aborts:
 * a stopping loop wakes up and looks at its state instead of handling an error.
 */
export function sleep(clock: BusClock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const onAbort = (): void => {
      timer.cancel();
      resolve();
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Exponential backoff: `initialMs * 2^attempt`, capped at `maxMs` (attempt counts from 0). */
export function backoffMs(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
}

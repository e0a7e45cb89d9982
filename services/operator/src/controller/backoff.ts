/**
 * Retry pacing, as client-go's default controller rate limiter: a per-key
 * exponential backoff (each failure of a key doubles its delay, `forget`
 * resets it) combined with an overall token bucket (so a storm of failing
 * keys cannot hammer the apiserver); the larger of the two delays wins.
 */
import type { Clock } from '@nightglow/runtime';

/** Exponential backoff settings: delay = min(baseMs * factor^(n-1), maxMs) for the n-th failure. */
export type BackoffOptions = { readonly baseMs: number; readonly maxMs: number; readonly factor?: number };

/** The delay before retry number `failures` (1-based). */
export function backoffDelay(failures: number, opts: BackoffOptions): number {
  if (failures <= 0) return 0;
  const d = opts.baseMs * Math.pow(opts.factor ?? 2, failures - 1);
  return Math.min(opts.maxMs, Number.isFinite(d) ? d : opts.maxMs);
}

/** Token-bucket settings: `qps` tokens per second, up to `burst` saved. */
export type BucketOptions = { readonly qps: number; readonly burst: number };

/** Decides how long a key waits before its next retry. */
export type RateLimiter = {
  /** Records one more failure of `key` and returns the delay before retrying it (ms). */
  when(key: string): number;
  /** Forgets `key`'s failures (after a success). */
  forget(key: string): void;
  /** Failures recorded for `key` since the last forget. */
  failures(key: string): number;
};

/** Options of {@link createRateLimiter}; defaults 5 ms … 5 min per key, 10 qps with a burst of 100 overall. */
export type RateLimiterOptions = {
  readonly clock: Clock;
  readonly perKey?: BackoffOptions;
  readonly overall?: BucketOptions;
};

/** Creates the combined per-key exponential + overall token-bucket limiter. */
export function createRateLimiter(opts: RateLimiterOptions): RateLimiter {
  const perKey = opts.perKey ?? { baseMs: 5, maxMs: 300_000 };
  const bucket = opts.overall ?? { qps: 10, burst: 100 };
  const counts = new Map<string, number>();
  let tokens = bucket.burst;
  let last = opts.clock.now();

  /** Reserves one token and returns how long until it is available (tokens may go negative). */
  const reserve = (): number => {
    const now = opts.clock.now();
    tokens = Math.min(bucket.burst, tokens + ((now - last) / 1000) * bucket.qps);
    last = now;
    tokens -= 1;
    return tokens >= 0 ? 0 : Math.ceil((-tokens / bucket.qps) * 1000);
  };

  return {
    when(key) {
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      return Math.max(backoffDelay(n, perKey), reserve());
    },
    forget: (key) => void counts.delete(key),
    failures: (key) => counts.get(key) ?? 0,
  };
}

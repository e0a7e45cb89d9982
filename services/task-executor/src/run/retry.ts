/**
 * Retry with exponential backoff, on an injected clock. Backoff before
 * attempt n (n ≥ 2) is min(initial × multiplier^(n−2), max), as the proto's
 * `RetryPolicy` says; an abort (cancel, task timeout) ends the wait at once.
 */
import type { Clock } from '@nightglow/runtime';
import type { RetryPolicy } from '@nightglow/contracts/executor/v1';
import { DEFAULT_RETRY, toMs } from '../spec/durations.js';

/** A policy with defaults applied. */
export type Backoff = {
  readonly maxAttempts: number;
  readonly initialMs: number;
  readonly maxMs: number;
  readonly multiplier: number;
};

/** Applies the proto defaults to `policy` (unset: a single attempt). */
export function backoffOf(policy: RetryPolicy | undefined): Backoff {
  return {
    maxAttempts: Math.max(1, policy?.maxAttempts ?? 1),
    initialMs: toMs(policy?.initialBackoff) ?? DEFAULT_RETRY.initialBackoffMs,
    maxMs: toMs(policy?.maxBackoff) ?? DEFAULT_RETRY.maxBackoffMs,
    multiplier: policy?.backoffMultiplier || DEFAULT_RETRY.multiplier,
  };
}

/** The delay before attempt `n` (2-based: the first retry is n = 2). */
export function delayBefore(b: Backoff, n: number): number {
  return Math.min(b.initialMs * b.multiplier ** Math.max(0, n - 2), b.maxMs);
}

/** Hooks of {@link runWithRetry}. */
export type RetryHooks<T> = {
  /** One attempt; `n` is 1-based. */
  readonly attempt: (n: number) => Promise<T>;
  /** Whether a failure may be retried at all (cancellation may not). */
  readonly retryable: (e: unknown) => boolean;
  /** Called before waiting `delayMs` for attempt `next`. */
  readonly onRetry?: (e: unknown, next: number, delayMs: number) => void;
};

/** Runs attempts until one succeeds or the policy is spent; rejects with the last error. */
export async function runWithRetry<T>(
  b: Backoff,
  hooks: RetryHooks<T>,
  deps: { readonly clock: Clock; readonly signal: AbortSignal },
): Promise<{ value: T; attempts: number }> {
  for (let n = 1; ; n++) {
    try {
      return { value: await hooks.attempt(n), attempts: n };
    } catch (e) {
      if (n >= b.maxAttempts || !hooks.retryable(e) || deps.signal.aborted) throw e;
      const delay = delayBefore(b, n + 1);
      hooks.onRetry?.(e, n + 1, delay);
      await deps.clock.sleep(delay, deps.signal);
    }
  }
}

import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '@nightglow/runtime';
import { RetryPolicySchema } from '@nightglow/contracts/executor/v1';
import { durationOf } from '../spec/durations.js';
import { backoffOf, delayBefore, runWithRetry } from './retry.js';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('retry with backoff', () => {
  it('computes min(initial * multiplier^(n-2), max) with proto defaults', () => {
    const b = backoffOf(create(RetryPolicySchema, { maxAttempts: 6 }));
    expect([2, 3, 4, 5, 6, 7, 8].map((n) => delayBefore(b, n))).toEqual([500, 1000, 2000, 4000, 8000, 10000, 10000]);
    const c = backoffOf(
      create(RetryPolicySchema, {
        maxAttempts: 3,
        initialBackoff: durationOf(100),
        maxBackoff: durationOf(250),
        backoffMultiplier: 3,
      }),
    );
    expect([2, 3, 4].map((n) => delayBefore(c, n))).toEqual([100, 250, 250]);
    expect(backoffOf(undefined).maxAttempts).toBe(1);
  });

  it('waits the backoff on the clock between attempts and stops at max attempts', async () => {
    const clock = createManualClock(0);
    const at: number[] = [];
    const delays: number[] = [];
    const p = runWithRetry(
      backoffOf(create(RetryPolicySchema, { maxAttempts: 3, initialBackoff: durationOf(100) })),
      {
        attempt: async () => {
          at.push(clock.now());
          throw new Error('nope');
        },
        retryable: () => true,
        onRetry: (_e, _n, d) => delays.push(d),
      },
      { clock, signal: new AbortController().signal },
    );
    const settled = p.catch((e: Error) => e.message);
    await flush();
    clock.advance(100);
    await flush();
    clock.advance(200);
    expect(await settled).toBe('nope');
    expect(at).toEqual([0, 100, 300]);
    expect(delays).toEqual([100, 200]);
  });

  it('does not retry a non-retryable failure and ends a backoff on abort', async () => {
    const clock = createManualClock(0);
    let n = 0;
    const none = runWithRetry(
      backoffOf(create(RetryPolicySchema, { maxAttempts: 5 })),
      {
        attempt: async () => {
          n++;
          throw new Error('cancelled');
        },
        retryable: () => false,
      },
      { clock, signal: new AbortController().signal },
    );
    await expect(none).rejects.toThrow('cancelled');
    expect(n).toBe(1);
    const ac = new AbortController();
    const waiting = runWithRetry(
      backoffOf(create(RetryPolicySchema, { maxAttempts: 5 })),
      {
        attempt: async (k) => {
          if (k === 1) throw new Error('first');
          return k;
        },
        retryable: () => true,
      },
      { clock, signal: ac.signal },
    );
    await flush();
    ac.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});

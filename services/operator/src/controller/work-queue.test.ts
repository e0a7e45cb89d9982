import { describe, expect, it } from 'vitest';
import { createManualClock } from '@nightglow/runtime';
import { backoffDelay, createRateLimiter } from './backoff.js';
import { createWorkQueue } from './work-queue.js';

function setup(): {
  clock: ReturnType<typeof createManualClock>;
  q: ReturnType<typeof createWorkQueue>;
  depths: number[];
} {
  const clock = createManualClock(0);
  const depths: number[] = [];
  const rateLimiter = createRateLimiter({
    clock,
    perKey: { baseMs: 10, maxMs: 1000 },
    overall: { qps: 1000, burst: 1000 },
  });
  return { clock, q: createWorkQueue({ clock, rateLimiter, onDepth: (d) => depths.push(d) }), depths };
}

describe('work queue', () => {
  it('merges adds of a queued key and hands keys out in order', async () => {
    const { q, depths } = setup();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(depths.at(-1)).toBe(0);
  });

  it('never hands a key to two workers: a key added while processed comes back after done', async () => {
    const { q } = setup();
    q.add('a');
    const first = await q.get();
    q.add('a');
    expect(q.len()).toBe(0);
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done(first ?? '');
    await Promise.resolve();
    expect(second).toBe('a');
  });

  it('delays addAfter keys on the clock, keeping the earliest time per key', async () => {
    const { q, clock } = setup();
    q.addAfter('a', 100);
    q.addAfter('a', 50);
    q.addAfter('a', 500);
    clock.advance(49);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
    clock.advance(1000);
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe('a');
  });

  it('backs off a failing key exponentially until forgotten', async () => {
    const { q, clock } = setup();
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const before = clock.now();
      q.addRateLimited('a');
      for (let t = 0; q.len() === 0 && t < 10_000; t++) clock.advance(1);
      waits.push(clock.now() - before);
      q.done((await q.get()) ?? '');
    }
    expect(waits).toEqual([10, 20, 40, 80]);
    expect(q.numRequeues('a')).toBe(4);
    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
  });

  it('resolves waiting and later gets with undefined after shutDown and ignores adds', async () => {
    const { q } = setup();
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeUndefined();
    q.add('a');
    expect(await q.get()).toBeUndefined();
    expect(q.isShutDown()).toBe(true);
  });
});

describe('backoff and rate limiting', () => {
  it('doubles per failure up to the maximum', () => {
    const opts = { baseMs: 5, maxMs: 1000 };
    expect([0, 1, 2, 3, 8, 20, 2000].map((n) => backoffDelay(n, opts))).toEqual([0, 5, 10, 20, 640, 1000, 1000]);
  });

  it('limits the overall retry rate with a token bucket beyond its burst', () => {
    const clock = createManualClock(0);
    const rl = createRateLimiter({ clock, perKey: { baseMs: 1, maxMs: 1 }, overall: { qps: 10, burst: 2 } });
    // Distinct keys: only the bucket slows them. Two from the burst, then 100 ms apart.
    expect(['a', 'b', 'c', 'd'].map((k) => rl.when(k))).toEqual([1, 1, 100, 200]);
    clock.advance(1000);
    expect(rl.when('e')).toBe(1);
  });
});

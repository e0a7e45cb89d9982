import { describe, expect, it } from 'vitest';
import { createScheduler } from './scheduler.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('scheduler', () => {
  it('runs at most `concurrency` at once, FIFO, with 1-based queue positions', async () => {
    const lengths: number[] = [];
    const s = createScheduler(2, (n) => lengths.push(n));
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const started: string[] = [];
    gates.forEach((g, i) =>
      s.submit({
        id: `t${i}`,
        run: () => {
          started.push(`t${i}`);
          return g.promise;
        },
      }),
    );
    expect(started).toEqual(['t0', 't1']);
    expect(s.running()).toBe(2);
    expect([s.position('t2'), s.position('t3'), s.position('t0')]).toEqual([1, 2, 0]);
    gates[0]?.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toEqual(['t0', 't1', 't2']);
    expect(s.position('t3')).toBe(1);
    expect(lengths.at(-1)).toBe(1);
  });

  it('withdraws a queued entry (cancel) and drains', async () => {
    const s = createScheduler(1);
    const g = deferred();
    const ran: string[] = [];
    s.submit({ id: 'a', run: () => g.promise });
    s.submit({ id: 'b', run: async () => void ran.push('b') });
    s.submit({ id: 'c', run: async () => void ran.push('c') });
    expect(s.withdraw('b')).toBe(true);
    expect(s.withdraw('a')).toBe(false);
    const draining = s.drain();
    g.resolve();
    const left = await draining;
    expect(left.map((r) => r.id)).toEqual(['c']);
    expect(ran).toEqual([]);
    expect(() => s.submit({ id: 'd', run: async () => undefined })).toThrow('draining');
  });
});

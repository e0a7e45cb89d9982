import { describe, expect, it } from 'vitest';
import { createManualClock } from './clock.js';

describe('manual clock', () => {
  it('fires due timers in time order and skips cancelled ones', () => {
    const clock = createManualClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 200);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 100);
    const c = clock.setTimeout(() => fired.push('cancelled'), 150);
    c.cancel();
    clock.advance(150);
    expect(fired).toEqual(['a@1100']);
    clock.advance(100);
    expect(fired).toEqual(['a@1100', 'b@1200']);
    expect(clock.now()).toBe(1250);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('resolves sleeps when time advances and rejects them when aborted', async () => {
    const clock = createManualClock();
    const slept = clock.sleep(50);
    clock.advance(50);
    await expect(slept).resolves.toBeUndefined();
    const ac = new AbortController();
    const aborted = clock.sleep(50, ac.signal);
    ac.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
  });
});

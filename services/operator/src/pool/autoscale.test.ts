import { describe, expect, it } from 'vitest';
import { decideReplicas, deletionCosts, type ScaleInput } from './autoscale.js';

const base: ScaleInput = {
  current: 2,
  minReplicas: 1,
  maxReplicas: 10,
  targetUtilization: 50,
  sessionsPerBrowser: 4,
  inUse: 0,
  queued: 0,
  busyBrowsers: 0,
  nowMs: 1_000_000,
  lastScaleMs: undefined,
  scaleDownDelayMs: 300_000,
};

describe('decideReplicas', () => {
  it('scales up at once from in-use plus queued demand at the target utilisation', () => {
    // 6 in use + 4 queued = 10 sessions; 4 per browser at 50 % = 2 per browser → 5 browsers.
    expect(decideReplicas({ ...base, inUse: 6, queued: 4, busyBrowsers: 2, lastScaleMs: base.nowMs - 1 })).toEqual({
      replicas: 5,
      reason: 'ScaleUp',
      utilization: 125,
    });
  });

  it('never goes above max nor below min', () => {
    expect(decideReplicas({ ...base, inUse: 400 }).replicas).toBe(10);
    expect(decideReplicas({ ...base, minReplicas: 3, current: 3 }).replicas).toBe(3);
    expect(decideReplicas({ ...base, minReplicas: 0, current: 0 })).toMatchObject({ replicas: 0, reason: 'Steady' });
  });

  it('waits the scale-down delay after the last change', () => {
    const quiet = { ...base, current: 5, inUse: 2 };
    expect(decideReplicas({ ...quiet, lastScaleMs: base.nowMs - 60_000 })).toMatchObject({
      replicas: 5,
      reason: 'ScaleDownDelayed',
    });
    expect(decideReplicas({ ...quiet, lastScaleMs: base.nowMs - 300_000 })).toMatchObject({
      replicas: 1,
      reason: 'ScaleDown',
    });
  });

  it('never scales below the browsers holding live sessions', () => {
    // 4 sessions spread over 4 browsers: demand alone would need 2 browsers.
    const spread = { ...base, current: 6, inUse: 4, busyBrowsers: 4 };
    expect(decideReplicas(spread)).toMatchObject({ replicas: 4, reason: 'ScaleDown' });
    expect(decideReplicas({ ...spread, current: 4 })).toMatchObject({ replicas: 4, reason: 'BusyBrowsers' });
  });

  it('treats demand on a pool with no browsers as full utilisation', () => {
    expect(decideReplicas({ ...base, current: 0, minReplicas: 0, queued: 1 })).toEqual({
      replicas: 1,
      reason: 'ScaleUp',
      utilization: 100,
    });
  });
});

describe('deletionCosts', () => {
  it('costs each pod its live sessions so idle pods go first', () => {
    const costs = deletionCosts([
      { podName: 'p-a', sessionCount: 3 },
      { podName: 'p-b', sessionCount: 0 },
      { podName: '', sessionCount: 1 },
    ]);
    expect([...costs]).toEqual([
      ['p-a', 3],
      ['p-b', 0],
    ]);
  });
});

import { create } from '@bufbuild/protobuf';
import { Severity } from '@nightglow/contracts/common/v1';
import {
  AlertState,
  AnomalyDetectionSchema,
  ThresholdDirection,
  ThresholdsSchema,
} from '@nightglow/contracts/instrumentation/v1';
import { describe, expect, it } from 'vitest';
import { createBaselineStore } from './baseline.js';
import { alertFingerprint, createThresholdTracker } from './thresholds.js';

const key = { instrument: 'timing.ttfb', pool: 'p', sessionId: 's1' };

describe('threshold hysteresis', () => {
  const th = create(ThresholdsSchema, {
    warn: 100,
    critical: 200,
    hysteresis: 20,
    direction: ThresholdDirection.ABOVE,
  });

  it('fires once when crossing, does not flap at the line, resolves only past the hysteresis', () => {
    const t = createThresholdTracker();
    expect(t.observe(key, th, 90)).toEqual([]);
    const fired = t.observe(key, th, 101);
    expect(fired).toMatchObject([{ state: AlertState.FIRING, severity: Severity.WARNING, threshold: 100 }]);
    // hovering around the line: 99, 101, 95, 100.5 — still one alert, no resolution
    for (const v of [99, 101, 95, 100.5, 81]) expect(t.observe(key, th, v)).toEqual([]);
    const resolved = t.observe(key, th, 79);
    expect(resolved).toMatchObject([{ state: AlertState.RESOLVED, severity: Severity.WARNING }]);
    expect(resolved[0]?.fingerprint).toBe(fired[0]?.fingerprint);
    expect(t.active()).toBe(0);
  });

  it('escalates warning to critical and steps back down with both transitions', () => {
    const t = createThresholdTracker();
    t.observe(key, th, 150);
    const up = t.observe(key, th, 250);
    expect(up.map((x) => [x.state, x.severity])).toEqual([
      [AlertState.RESOLVED, Severity.WARNING],
      [AlertState.FIRING, Severity.CRITICAL],
    ]);
    expect(t.observe(key, th, 185)).toEqual([]); // within the critical hysteresis
    const down = t.observe(key, th, 150);
    expect(down.map((x) => [x.state, x.severity])).toEqual([
      [AlertState.RESOLVED, Severity.CRITICAL],
      [AlertState.FIRING, Severity.WARNING],
    ]);
  });

  it('treats BELOW thresholds the other way round', () => {
    const below = create(ThresholdsSchema, { warn: 1, direction: ThresholdDirection.BELOW, hysteresis: 0.5 });
    const t = createThresholdTracker();
    expect(t.observe(key, below, 0)).toMatchObject([{ state: AlertState.FIRING }]);
    expect(t.observe(key, below, 1.2)).toEqual([]);
    expect(t.observe(key, below, 1.6)).toMatchObject([{ state: AlertState.RESOLVED }]);
  });

  it('fingerprints are sha256 hex of instrument, severity, pool and session', () => {
    const a = alertFingerprint(key, Severity.WARNING);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(alertFingerprint(key, Severity.CRITICAL)).not.toBe(a);
    expect(alertFingerprint({ ...key, sessionId: 's2' }, Severity.WARNING)).not.toBe(a);
    expect(alertFingerprint({ ...key }, Severity.WARNING)).toBe(a);
  });
});

describe('rolling baseline', () => {
  const ad = create(AnomalyDetectionSchema, { enabled: true, window: 50, minSamples: 20, zThreshold: 3 });

  it('raises nothing before min_samples, then flags a spike but not normal noise', () => {
    const b = createBaselineStore();
    const noise = (i: number): number => 100 + ((i * 7) % 11) - 5;
    for (let i = 0; i < 19; i++) expect(b.observe('x', 'p', ad, i === 10 ? 10_000 : noise(i)).anomalous).toBe(false);
    const fresh = createBaselineStore();
    for (let i = 0; i < 30; i++) expect(fresh.observe('x', 'p', ad, noise(i)).anomalous).toBe(false);
    const spike = fresh.observe('x', 'p', ad, 500);
    expect(spike.anomalous).toBe(true);
    expect(spike.score).toBeGreaterThan(3);
    expect(spike.mean).toBeCloseTo(100, 0);
  });

  it('keeps a baseline per instrument and pool, and a flat baseline raises nothing', () => {
    const b = createBaselineStore();
    for (let i = 0; i < 40; i++) b.observe('x', 'p1', ad, 100);
    expect(b.observe('x', 'p1', ad, 1000).anomalous).toBe(false); // stddev 0: no z-score
    for (let i = 0; i < 40; i++) b.observe('y', 'p2', ad, i % 2 === 0 ? 90 : 110);
    expect(b.observe('y', 'p2', ad, 200).anomalous).toBe(true);
    expect(b.observe('y', 'p3', ad, 200).anomalous).toBe(false); // another pool: no baseline yet
  });
});

/**
 * Rolling baselines for anomaly detection: per instrument and pool, the mean and
 * standard deviation of the last `window` samples. A sample is scored against
 * the baseline *before* it joins the window, so a spike cannot hide itself.
 */
import type { AnomalyDetection } from '@nightglow/contracts/instrumentation/v1';

/** The verdict on one sample. */
export type BaselineVerdict = {
  readonly anomalous: boolean;
  readonly mean: number;
  readonly stddev: number;
  /** (value - mean) / stddev; 0 while the baseline is too young or flat. */
  readonly score: number;
  readonly sampleCount: number;
};

/** Effective settings with the contract's defaults (window 200, min 30, z 3). */
export function baselineSettings(ad: AnomalyDetection): { window: number; minSamples: number; z: number } {
  return { window: ad.window || 200, minSamples: ad.minSamples || 30, z: ad.zThreshold || 3 };
}

type Ring = { values: number[]; next: number; sum: number; sumSq: number };

/** Baselines keyed by instrument and pool. */
export type BaselineStore = {
  /** Scores `value` against the baseline of (instrument, pool), then adds it to the window. */
  observe(instrument: string, pool: string, ad: AnomalyDetection, value: number): BaselineVerdict;
  /** Drops the baselines of an instrument (its blueprint changed or was removed). */
  forget(instrument: string): void;
};

/** Creates an empty {@link BaselineStore}. */
export function createBaselineStore(): BaselineStore {
  const rings = new Map<string, Ring & { instrument: string }>();
  return {
    observe(instrument, pool, ad, value) {
      const { window, minSamples, z } = baselineSettings(ad);
      const id = `${instrument}\u0000${pool}`;
      let ring = rings.get(id);
      if (ring === undefined) rings.set(id, (ring = { instrument, values: [], next: 0, sum: 0, sumSq: 0 }));
      const n = ring.values.length;
      const mean = n === 0 ? 0 : ring.sum / n;
      const variance = n < 2 ? 0 : Math.max(0, (ring.sumSq - n * mean * mean) / (n - 1));
      const stddev = Math.sqrt(variance);
      const score = stddev > 0 ? (value - mean) / stddev : 0;
      const anomalous = n >= minSamples && stddev > 0 && Math.abs(score) > z;
      if (n < window) {
        ring.values.push(value);
      } else {
        const old = ring.values[ring.next] ?? 0;
        ring.sum -= old;
        ring.sumSq -= old * old;
        ring.values[ring.next] = value;
        ring.next = (ring.next + 1) % window;
      }
      ring.sum += value;
      ring.sumSq += value * value;
      return { anomalous, mean, stddev, score, sampleCount: n };
    },
    forget(instrument) {
      for (const [id, ring] of rings) if (ring.instrument === instrument) rings.delete(id);
    },
  };
}

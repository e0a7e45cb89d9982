/**
 * What happens to every sample after it is taken: the threshold tracker may
 * raise or resolve an alert (hysteresis, fingerprint), and the rolling baseline
 * of its instrument and pool may call it an anomaly.
 */
import { create } from '@bufbuild/protobuf';
import { Severity } from '@nightglow/contracts/common/v1';
import {
  AlertSchema,
  AlertState,
  AnomalySchema,
  ThresholdDirection,
  type Measurement,
} from '@nightglow/contracts/instrumentation/v1';
import type { InstrumentEntry } from '../instruments/registry.js';
import type { SignalPublisher } from '../publish/signal-publisher.js';
import { createBaselineStore, type BaselineStore } from './baseline.js';
import { createThresholdTracker, type ThresholdTracker } from './thresholds.js';

/** The engine. */
export type SignalEngine = {
  /** Evaluates one measurement of `entry`; publishes alert transitions and anomalies. */
  evaluate(entry: InstrumentEntry, m: Measurement): void;
  /** Forgets levels and baselines of an instrument whose blueprint changed or went away. */
  forget(instrument: string): void;
  readonly thresholds: ThresholdTracker;
  readonly baselines: BaselineStore;
};

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(3);
}

/** Creates an engine publishing through `publisher`. */
export function createSignalEngine(publisher: SignalPublisher): SignalEngine {
  const thresholds = createThresholdTracker();
  const baselines = createBaselineStore();
  return {
    thresholds,
    baselines,
    evaluate(entry, m) {
      const bp = entry.blueprint;
      const th = bp.thresholds;
      if (th !== undefined) {
        const key = { instrument: bp.name, pool: m.pool, sessionId: m.sessionId };
        for (const t of thresholds.observe(key, th, m.value)) {
          if (t.state === AlertState.FIRING) entry.alerts += 1;
          const side = th.direction === ThresholdDirection.BELOW ? 'below' : 'above';
          const level = t.severity === Severity.CRITICAL ? 'critical' : 'warn';
          const verb = t.state === AlertState.FIRING ? side : `back from ${side}`;
          publisher.alert(
            create(AlertSchema, {
              fingerprint: t.fingerprint,
              severity: t.severity,
              instrument: bp.name,
              metric: bp.metric,
              value: m.value,
              threshold: t.threshold,
              direction:
                th.direction === ThresholdDirection.BELOW ? ThresholdDirection.BELOW : ThresholdDirection.ABOVE,
              unit: m.unit,
              state: t.state,
              message: `${bp.metric} ${fmt(m.value)} ${m.unit} ${verb} ${level} ${fmt(t.threshold)} ${m.unit}`,
              sessionId: m.sessionId,
              taskId: m.taskId,
              actionId: m.actionId,
              pool: m.pool,
              url: m.url,
              ...(m.time === undefined ? {} : { time: m.time }),
              labels: m.labels,
            }),
          );
        }
      }
      const ad = bp.anomalyDetection;
      if (ad?.enabled === true) {
        const v = baselines.observe(bp.name, m.pool, ad, m.value);
        if (v.anomalous) {
          publisher.anomaly(
            create(AnomalySchema, {
              instrument: bp.name,
              metric: bp.metric,
              pool: m.pool,
              value: m.value,
              unit: m.unit,
              baselineMean: v.mean,
              baselineStddev: v.stddev,
              score: v.score,
              sampleCount: v.sampleCount,
              sessionId: m.sessionId,
              taskId: m.taskId,
              actionId: m.actionId,
              url: m.url,
              ...(m.time === undefined ? {} : { time: m.time }),
            }),
          );
        }
      }
    },
    forget(instrument) {
      thresholds.forget(instrument);
      baselines.forget(instrument);
    },
  };
}

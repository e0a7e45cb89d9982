/**
 * The controller metrics, registered on the service's registry through the
 * runtime's metric families:
 *
 * | metric | type | labels |
 * |---|---|---|
 * | `nightglow_operator_reconcile_total` | counter | `controller`, `result` (success, requeue, error, terminal) |
 * | `nightglow_operator_reconcile_errors_total` | counter | `controller`, `code` |
 * | `nightglow_operator_reconcile_duration_seconds` | histogram | `controller` |
 * | `nightglow_operator_workqueue_depth` | gauge | `controller` |
 * | `nightglow_operator_leader` | gauge | `lease` (1 while this instance leads) |
 */
import type { Registry } from 'prom-client';
import {
  counterFamily,
  gaugeFamily,
  histogramFamily,
  LATENCY_BUCKETS,
  type CounterChild,
  type Family,
  type GaugeChild,
  type HistogramChild,
} from '@nightglow/runtime';

/** How a reconcile ended. */
export type ReconcileResultLabel = 'success' | 'requeue' | 'error' | 'terminal';

/** The families controllers record into. */
export type ControllerMetrics = {
  readonly reconciles: Family<CounterChild>;
  readonly errors: Family<CounterChild>;
  readonly duration: Family<HistogramChild>;
  readonly depth: Family<GaugeChild>;
  readonly leader: Family<GaugeChild>;
};

/** Registers the controller metrics on `registry` (once per registry). */
export function createControllerMetrics(registry: Registry): ControllerMetrics {
  return {
    reconciles: counterFamily({
      name: 'nightglow_operator_reconcile_total',
      help: 'Reconciles finished, by controller and result.',
      labelNames: ['controller', 'result'],
      registry,
    }),
    errors: counterFamily({
      name: 'nightglow_operator_reconcile_errors_total',
      help: 'Reconciles that failed, by controller and error code.',
      labelNames: ['controller', 'code'],
      registry,
    }),
    duration: histogramFamily({
      name: 'nightglow_operator_reconcile_duration_seconds',
      help: 'Time spent in one reconcile.',
      labelNames: ['controller'],
      buckets: LATENCY_BUCKETS,
      registry,
    }),
    depth: gaugeFamily({
      name: 'nightglow_operator_workqueue_depth',
      help: 'Keys waiting in a controller work queue.',
      labelNames: ['controller'],
      registry,
    }),
    leader: gaugeFamily({
      name: 'nightglow_operator_leader',
      help: '1 while this instance holds the leader lease.',
      labelNames: ['lease'],
      registry,
    }),
  };
}

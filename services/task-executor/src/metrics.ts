/**
 * The executor's domain metrics, registered on the service's registry:
 *
 * | metric | type | labels |
 * |---|---|---|
 * | `nightglow_executor_tasks_total` | counter | `state`: tasks that reached QUEUED or a terminal state |
 * | `nightglow_executor_tasks` | gauge | `state`: QUEUED and RUNNING tasks on this replica now |
 * | `nightglow_executor_queue_length` | gauge | tasks waiting for an execution slot on this replica |
 * | `nightglow_executor_action_duration_seconds` | histogram | `action_type`, `outcome` (`succeeded`/`failed`), backoffs included |
 * | `nightglow_executor_action_retries_total` | counter | `action_type` |
 * | `nightglow_executor_phase_mark_failures_total` | counter | marks the sidecar did not take |
 * | `nightglow_executor_takeovers_total` | counter | `outcome`: tasks of a dead replica this replica `requeued` or `failed` |
 */
import type { Metrics } from '@nightglow/runtime';
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

/** The executor's metric families. */
export type ExecutorMetrics = {
  readonly tasksTotal: Family<CounterChild>;
  readonly tasks: Family<GaugeChild>;
  readonly queueLength: GaugeChild;
  readonly actionDuration: Family<HistogramChild>;
  readonly actionRetries: Family<CounterChild>;
  readonly phaseMarkFailures: CounterChild;
  readonly takeovers: Family<CounterChild>;
};

/** Registers the executor's metrics on `registry`. */
export function createExecutorMetrics(registry: Metrics['registry']): ExecutorMetrics {
  return {
    tasksTotal: counterFamily({
      name: 'nightglow_executor_tasks_total',
      help: 'Tasks that reached a state (QUEUED or terminal).',
      labelNames: ['state'],
      registry,
    }),
    tasks: gaugeFamily({
      name: 'nightglow_executor_tasks',
      help: 'Tasks queued or running on this replica.',
      labelNames: ['state'],
      registry,
    }),
    queueLength: gaugeFamily({
      name: 'nightglow_executor_queue_length',
      help: 'Tasks waiting for an execution slot.',
      labelNames: [],
      registry,
    }).child(),
    actionDuration: histogramFamily({
      name: 'nightglow_executor_action_duration_seconds',
      help: 'Wall time of an action from its first attempt to its outcome, backoffs included.',
      labelNames: ['action_type', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registry,
    }),
    actionRetries: counterFamily({
      name: 'nightglow_executor_action_retries_total',
      help: 'Action attempts that were retried.',
      labelNames: ['action_type'],
      registry,
    }),
    phaseMarkFailures: counterFamily({
      name: 'nightglow_executor_phase_mark_failures_total',
      help: 'Phase marks the sidecar did not take.',
      labelNames: [],
      registry,
    }).child(),
    takeovers: counterFamily({
      name: 'nightglow_executor_takeovers_total',
      help: 'Tasks of a dead executor replica taken over here: requeued (were queued) or failed (were running).',
      labelNames: ['outcome'],
      registry,
    }),
  };
}

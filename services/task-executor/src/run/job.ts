/**
 * A task being run on this replica: the stored (redacted) view the runner
 * updates, the real actions it executes, and the abort controller that
 * cancellation and the task timeout trip.
 */
import type { Action, Task } from '@nightglow/contracts/executor/v1';
import type { Clock, Logger } from '@nightglow/runtime';
import type { HumanSettings, Rng } from '../actions/human-input.js';
import type { ExecutorMetrics } from '../metrics.js';
import type { PhaseMarker } from '../phase/phase-marker.js';
import type { SessionProvider } from '../sessions/port.js';
import type { TaskStore } from '../store/port.js';
import type { TaskEvents } from './task-events.js';

/** Why a task was stopped before it finished by itself. */
export type StopReason = { readonly kind: 'cancel' | 'timeout'; readonly message: string };

/** One task on this replica. */
export type Job = {
  /** The task as stored and published (secrets as `***`); mutated by the runner. */
  readonly task: Task;
  /** The actions to run, with real values. */
  readonly actions: readonly Action[];
  /** Human-like input settings, when the spec enables it. */
  readonly human: HumanSettings | undefined;
  /** Timeout of an action that sets none. */
  readonly actionTimeoutMs: number;
  /** Limit on the whole run. */
  readonly taskTimeoutMs: number;
  /** Aborted by cancellation or the task timeout; `stop` says which. */
  readonly abort: AbortController;
  stop: StopReason | undefined;
};

/** Stops `job` (first reason wins): running actions are interrupted, waits end. */
export function stopJob(job: Job, reason: StopReason): void {
  if (job.stop) return;
  job.stop = reason;
  job.abort.abort(new Error(reason.message));
}

/** What running a task needs. */
export type RunnerDeps = {
  readonly store: TaskStore;
  readonly sessions: SessionProvider;
  readonly phases: PhaseMarker;
  readonly events: TaskEvents;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: ExecutorMetrics;
  /** Randomness for human-like input. */
  readonly rng: Rng;
};

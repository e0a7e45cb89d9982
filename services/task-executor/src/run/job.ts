/**
 * A task being run on this replica: the stored (redacted) view the runner
 * updates, the real actions it executes, and the abort controller that
 * cancellation and the task timeout trip.
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { TaskSpecSchema, type Action, type Task } from '@nightglow/contracts/executor/v1';
import type { Clock, Logger } from '@nightglow/runtime';
import type { HumanSettings, Rng } from '../actions/human-input.js';
import type { ExecutorMetrics } from '../metrics.js';
import type { PhaseMarker } from '../phase/phase-marker.js';
import type { SessionProvider } from '../sessions/port.js';
import type { TaskStore } from '../store/port.js';
import type { TaskEvents } from './task-events.js';
import { DEFAULT_ACTION_TIMEOUT_MS, DEFAULT_TASK_TIMEOUT_MS, toMs } from '../spec/durations.js';

/**
 * Why a task was stopped before it finished by itself. `lost`: another replica
 * took the task over (this replica's lease lapsed), so this one only lets go of it.
 */
export type StopReason = { readonly kind: 'cancel' | 'timeout' | 'lost'; readonly message: string };

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
  /** Whether this replica still holds the task (checked again before it turns RUNNING); unset: always. */
  owned?: () => Promise<boolean>;
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

/** The job of `task` (its stored, redacted view) running `actions` (the real ones); settings come from its spec. */
export function jobOf(task: Task, actions: readonly Action[], rng: Rng): Job {
  const spec = task.spec;
  const h = spec?.humanInput;
  return {
    task,
    actions,
    human: h?.enabled
      ? { typingMeanMs: toMs(h.typingDelayMean) ?? 90, typingStddevMs: toMs(h.typingDelayStddev) ?? 35, rng }
      : undefined,
    actionTimeoutMs: toMs(spec?.actionTimeout) ?? DEFAULT_ACTION_TIMEOUT_MS,
    taskTimeoutMs: toMs(spec?.timeout) ?? DEFAULT_TASK_TIMEOUT_MS,
    abort: new AbortController(),
    stop: undefined,
  };
}

/** The payload a takeover needs to run a queued task elsewhere: its real actions (a TaskSpec with only `actions`). */
export function encodeJobActions(actions: readonly Action[]): Uint8Array {
  return toBinary(TaskSpecSchema, create(TaskSpecSchema, { actions: [...actions] }));
}

/** Reads what {@link encodeJobActions} wrote. */
export function decodeJobActions(payload: Uint8Array): Action[] {
  return fromBinary(TaskSpecSchema, payload).actions;
}

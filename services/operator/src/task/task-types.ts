/** The AutomationTask resource and its phases. */
import type { ExecutorTask, ExecutorTaskState } from '../clients/executor-api.js';
import type { Condition } from '../controller/conditions.js';
import type { KubeObject } from '../kube/kube-api.js';

/**
 * A task's phase: Pending (not yet submitted, e.g. waiting for its
 * BrowserSession) → Queued → Running → Succeeded | Failed | Cancelled |
 * TimedOut. A task refused at submission (bad template, unknown session)
 * goes straight from Pending to Failed.
 */
export type TaskPhase = 'Pending' | 'Queued' | 'Running' | 'Succeeded' | 'Failed' | 'Cancelled' | 'TimedOut';

/** Terminal phases. */
export const FINISHED: ReadonlySet<TaskPhase> = new Set(['Succeeded', 'Failed', 'Cancelled', 'TimedOut']);

/** `AutomationTask.status`. */
export type AutomationTaskStatus = {
  observedGeneration?: number;
  phase?: TaskPhase;
  taskId?: string;
  sessionId?: string;
  progress?: string;
  completedActions?: number;
  totalActions?: number;
  currentAction?: string;
  startTime?: string;
  finishTime?: string;
  outputs?: Record<string, string>;
  recordId?: string;
  recordName?: string;
  message?: string;
  conditions?: Condition[];
};

/** An AutomationTask: the TaskSpec JSON plus `session` and `ttlSecondsAfterFinished`. */
export type AutomationTask = KubeObject & {
  spec: Record<string, unknown> & {
    session?: string;
    ttlSecondsAfterFinished?: number;
    labels?: Record<string, string>;
  };
  status?: AutomationTaskStatus;
};

const PHASES: Record<ExecutorTaskState, TaskPhase> = {
  QUEUED: 'Queued',
  RUNNING: 'Running',
  SUCCEEDED: 'Succeeded',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
  TIMED_OUT: 'TimedOut',
};

/** The phase of an executor task. */
export const phaseOf = (t: { readonly state: ExecutorTaskState }): TaskPhase => PHASES[t.state];

/** Each output as JSON text of at most 256 characters (the full values are in the record). */
export function summarizeOutputs(outputs: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(outputs)) {
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    out[k] = text.length > 256 ? `${text.slice(0, 253)}...` : text;
  }
  return out;
}

/** The status fields that follow the executor's task. */
export function statusFromTask(t: ExecutorTask): AutomationTaskStatus {
  const phase = phaseOf(t);
  return {
    phase,
    taskId: t.id,
    ...(t.sessionId ? { sessionId: t.sessionId } : {}),
    progress: `${t.completed}/${t.total}`,
    completedActions: t.completed,
    totalActions: t.total,
    currentAction: t.currentAction,
    ...(t.startTime ? { startTime: t.startTime } : {}),
    ...(t.finishTime ? { finishTime: t.finishTime } : {}),
    outputs: summarizeOutputs(t.outputs),
    ...(t.recordId ? { recordId: t.recordId } : {}),
    message: t.error ? `${t.error.reason}: ${t.error.message}` : `task is ${phase}`,
  };
}

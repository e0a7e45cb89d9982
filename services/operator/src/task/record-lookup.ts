/**
 * Asking the record store for a finished task's sealed record, and writing
 * the TaskRecord resource from the answer. The store seals a record a grace
 * period (`SEAL_GRACE`, 5 s by default) after the task's terminal event, so
 * the reconciler asks again with a bounded backoff ({@link recordRetryDelayMs})
 * until `--task-record-wait` has passed since the task finished; after that
 * the TaskRecord is written without a record id and its `Sealed` condition
 * says why.
 */
import type { ExecutorTask } from '../clients/executor-api.js';
import type { RecordStoreApi } from '../clients/record-store-api.js';
import { setCondition, type Condition, type ConditionInput } from '../controller/conditions.js';
import { hasCode, OperatorError } from '../errors.js';
import type { KubeApi, KubeObject } from '../kube/kube-api.js';
import { RESOURCES } from '../kube/resources.js';
import { buildTaskRecord, recordName, sealedCondition, type RecordLookup } from './task-record.js';
import type { AutomationTask } from './task-types.js';

/** First retry delay. */
const FIRST_RETRY_MS = 250;
/** Longest retry delay. */
const MAX_RETRY_MS = 5_000;

/**
 * How long to wait before asking again, `waitedMs` after the task finished:
 * as long as already waited (so the delays double: 250 ms, 250 ms, 500 ms,
 * 1 s, …), at most 5 s, and never past the end of the wait. Derived from the
 * time alone, so a restarted operator keeps the same pace.
 */
export function recordRetryDelayMs(waitedMs: number, waitMs: number): number {
  const step = Math.min(MAX_RETRY_MS, Math.max(FIRST_RETRY_MS, waitedMs));
  return Math.max(1, Math.min(step, waitMs - waitedMs));
}

/** Asks the record store (when there is one) for task `taskId`'s sealed record; never throws. */
export async function lookUpRecord(store: RecordStoreApi | undefined, taskId: string): Promise<RecordLookup> {
  if (!store) {
    return { kind: 'missing', reason: 'RecordStoreNotConfigured', message: 'the operator has no record store' };
  }
  try {
    const record = await store.getTaskRecord(taskId);
    if (record) return { kind: 'sealed', record };
    return {
      kind: 'missing',
      reason: 'RecordNotSealed',
      message: `the record store has no sealed record of task ${taskId}`,
    };
  } catch (e) {
    const err = OperatorError.from(e);
    const reason = err.code === 'FORBIDDEN' ? 'RecordStoreUnauthorized' : 'RecordStoreUnavailable';
    return { kind: 'missing', reason, message: err.message };
  }
}

/** The `Sealed` condition of a stored spec with `recordId`, written after `lookup`. */
function conditionFor(recordId: string, lookup: RecordLookup): ConditionInput {
  if (lookup.kind === 'sealed' && lookup.record.id === recordId) return sealedCondition(lookup);
  if (recordId) return { type: 'Sealed', status: 'True', reason: 'RecordSealed', message: `record ${recordId} sealed` };
  if (lookup.kind === 'missing') return sealedCondition(lookup);
  return {
    type: 'Sealed',
    status: 'False',
    reason: 'RecordNotSealed',
    message: 'the TaskRecord was written before the record store sealed the record',
  };
}

/**
 * Creates the TaskRecord of `task` (an existing one is kept: its spec is
 * immutable) and sets its `Sealed` condition; returns the record's name.
 * The condition follows the stored spec, so a retry after a crash between
 * the two writes does not contradict what the record already holds.
 */
export async function writeTaskRecord(
  api: KubeApi,
  task: AutomationTask,
  input: { readonly executorTask: ExecutorTask; readonly lookup: RecordLookup; readonly nowMs: number },
): Promise<string> {
  const name = recordName(task);
  const key = { namespace: task.metadata.namespace ?? 'default', name };
  let stored: KubeObject | undefined;
  try {
    stored = await api.create(RESOURCES.taskRecord, buildTaskRecord(task, input.executorTask, input.lookup));
  } catch (e) {
    if (!hasCode(e, 'ALREADY_EXISTS')) throw e;
    stored = await api.get(RESOURCES.taskRecord, key);
  }
  const status = (stored?.['status'] ?? {}) as { conditions?: Condition[] };
  if (!stored || status.conditions?.some((c) => c.type === 'Sealed')) return name;
  const recordId = (stored['spec'] as { recordId?: string } | undefined)?.recordId ?? '';
  const conditions = setCondition(status.conditions, conditionFor(recordId, input.lookup), {
    generation: stored.metadata.generation ?? 1,
    nowMs: input.nowMs,
  });
  await api.patch(
    RESOURCES.taskRecord,
    key,
    { status: { observedGeneration: stored.metadata.generation ?? 1, conditions } },
    { subresource: 'status' },
  );
  return name;
}

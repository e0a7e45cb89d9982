/** How a running task is shown: a progress bar on a TTY, one plain line per action event otherwise. */
import {
  ActionEventType,
  ActionState,
  TaskFailureReason,
  TaskState,
  type ActionEvent,
  type Task,
} from '@nightglow/contracts/executor/v1';
import { enumLabel } from './table.js';
import { durationMs, formatMs } from './time.js';
import { timestampDate } from '@bufbuild/protobuf/wkt';

/** `[########----------------]  3/6` for `width` cells (at least 1). */
export function progressBar(completed: number, total: number, width = 24): string {
  const cells = Math.max(1, width);
  const done = total > 0 ? Math.min(cells, Math.round((completed / total) * cells)) : 0;
  return `[${'#'.repeat(done)}${'-'.repeat(cells - done)}] ${completed}/${total}`;
}

/** The short name of a task state (`SUCCEEDED`). */
export function taskStateName(s: TaskState): string {
  return enumLabel(TaskState, s, 'TASK_STATE_');
}

const VERBS: Readonly<Record<ActionEventType, string>> = {
  [ActionEventType.UNSPECIFIED]: 'updated',
  [ActionEventType.STARTED]: 'started',
  [ActionEventType.RETRYING]: 'retrying',
  [ActionEventType.SUCCEEDED]: 'succeeded',
  [ActionEventType.FAILED]: 'failed',
  [ActionEventType.SKIPPED]: 'skipped',
};

/** One plain line per action event, e.g. `[3/6] titles (extract) succeeded in 120ms`. */
export function actionEventLine(e: ActionEvent): string {
  const r = e.result;
  const total = e.progress?.total ?? 0;
  const n = (r?.index ?? 0) + 1;
  const what = `${r?.name ?? '?'} (${r?.actionType ?? '?'})`;
  let line = `[${n}/${total}] ${what} ${VERBS[e.type]}`;
  if (e.type === ActionEventType.SUCCEEDED || e.type === ActionEventType.FAILED)
    line += ` in ${formatMs(durationMs(r?.duration))}`;
  if (e.type === ActionEventType.RETRYING)
    line += ` (attempt ${r?.attempts ?? 0} failed; next in ${formatMs(durationMs(e.retryDelay))})`;
  if ((e.type === ActionEventType.FAILED || e.type === ActionEventType.RETRYING) && r?.error?.message)
    line += `: ${r.error.message}`;
  return line;
}

/** The label next to the bar: the action being run or just finished. */
export function progressLabel(e: ActionEvent): string {
  const r = e.result;
  const state = r?.state === ActionState.RUNNING ? '' : ` ${VERBS[e.type]}`;
  return `${r?.name ?? ''} (${r?.actionType ?? ''})${state}`;
}

/** `task <id> SUCCEEDED in 2.3s (6/6 actions)` plus the error line when it did not succeed. */
export function taskSummary(t: Task): string {
  const ran =
    t.startTime && t.finishTime
      ? ` in ${formatMs(timestampDate(t.finishTime).getTime() - timestampDate(t.startTime).getTime())}`
      : '';
  const lines = [
    `task ${t.id} ${taskStateName(t.state)}${ran} (${t.progress?.completed ?? 0}/${t.progress?.total ?? 0} actions)`,
  ];
  if (t.error) {
    const at = t.error.actionIndex !== undefined ? ` at action ${t.error.actionIndex + 1}` : '';
    const reason = enumLabel(TaskFailureReason, t.error.reason, 'TASK_FAILURE_REASON_');
    lines.push(`error: ${reason}${at}: ${t.error.message}`);
  }
  return `${lines.join('\n')}\n`;
}

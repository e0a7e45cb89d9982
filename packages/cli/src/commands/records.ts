/** `nightglow records list|get`: sealed task records in the record store. */
import { toJson } from '@bufbuild/protobuf';
import { ValueSchema } from '@bufbuild/protobuf/wkt';
import type { Command } from 'commander';
import { ActionState, TaskState } from '@nightglow/contracts/executor/v1';
import {
  GetTaskRecordResponseSchema,
  ListTaskRecordsResponseSchema,
  TaskRecordView,
  type ActionMeasurementSummary,
  type TaskRecord,
} from '@nightglow/contracts/records/v1';
import type { CliRuntime } from '../program.js';
import { usageError } from '../errors.js';
import { taskStateName } from '../format/progress.js';
import { enumLabel, formatLabels, renderFields, renderTable } from '../format/table.js';
import { durationMs, formatMs, formatTime } from '../format/time.js';
import { enumListArg, positiveIntArg } from '../parse.js';

const ms = (v: number | undefined): string => (v === undefined ? '-' : formatMs(v));

function measured(m: ActionMeasurementSummary | undefined): string[] {
  return [ms(m?.ttfbMs), ms(m?.fcpMs), ms(m?.lcpMs), m?.requestCount === undefined ? '-' : String(m.requestCount)];
}

/** The human view of one record: summary, timeline with measurements, outputs, artifacts. */
export function recordDetails(r: TaskRecord): string {
  let text = renderFields([
    ['record', r.id],
    ['task', r.taskId],
    ['state', taskStateName(r.state)],
    ['session', `${r.sessionId}${r.ephemeralSession ? ' (ephemeral)' : ''}`],
    ['pool', r.pool],
    ['template', r.templateName ? `${r.templateName} (revision ${r.templateRevision})` : ''],
    ['labels', formatLabels(r.labels)],
    ['actions', `${r.actionCount} (${r.failedActionCount} failed)`],
    ['events', String(r.eventCount)],
    ['started', formatTime(r.startTime)],
    ['finished', formatTime(r.finishTime)],
    ['duration', formatMs(durationMs(r.duration))],
    ['sealed', formatTime(r.sealTime)],
    ['error', r.error ? r.error.message : ''],
  ]);
  if (r.timeline.length > 0)
    text += renderTable(
      ['#', 'ACTION', 'TYPE', 'STATE', 'DURATION', 'TTFB', 'FCP', 'LCP', 'REQUESTS'],
      r.timeline.map((a) => [
        String((a.result?.index ?? 0) + 1),
        a.result?.name ?? '',
        a.result?.actionType ?? '',
        enumLabel(ActionState, a.result?.state ?? 0, 'ACTION_STATE_'),
        a.result?.duration ? formatMs(durationMs(a.result.duration)) : '-',
        ...measured(a.measurements),
      ]),
    );
  const outputs = Object.keys(r.outputs).sort();
  if (outputs.length > 0)
    text += `outputs:\n${outputs.map((n) => `  ${n}: ${JSON.stringify(toJson(ValueSchema, r.outputs[n]!))}`).join('\n')}\n`;
  if (r.artifacts.length > 0)
    text += `artifacts:\n${r.artifacts.map((a) => `  ${a.name || a.id}: ${a.id} (${a.contentType}, ${a.sizeBytes} bytes)`).join('\n')}\n`;
  if (r.alerts.length > 0) text += `alerts: ${r.alerts.length}\n`;
  return text;
}

/** Registers `records` and its subcommands. */
export function registerRecords(program: Command, runtime: CliRuntime): void {
  const records = program.command('records').description('list and show sealed task records');

  records
    .command('list')
    .description('list task records, newest first')
    .option(
      '--state <state>',
      'only these terminal states (repeatable): succeeded, failed, cancelled, timed-out',
      enumListArg(TaskState, 'TASK_STATE_'),
    )
    .option('--pool <name>', 'only this pool')
    .option('--session <id>', 'only tasks run in this session')
    .option('--template <name>', 'only tasks of this template')
    .option('-l, --selector <selector>', 'label selector over task labels')
    .option('--limit <n>', 'at most this many (default 50, max 1000)', positiveIntArg)
    .action(
      async (
        o: { state?: number[]; pool?: string; session?: string; template?: string; selector?: string; limit?: number },
        cmd: Command,
      ) => {
        const ctx = runtime.context(cmd);
        const res = await ctx.clients().records.listTaskRecords({
          states: o.state ?? [],
          pool: o.pool ?? '',
          sessionId: o.session ?? '',
          templateName: o.template ?? '',
          labelSelector: o.selector ?? '',
          pageSize: o.limit ?? 0,
          view: TaskRecordView.BASIC,
        });
        ctx.emit(ListTaskRecordsResponseSchema, res, () =>
          res.taskRecords.length === 0
            ? 'No records found.\n'
            : renderTable(
                ['RECORD', 'TASK', 'STATE', 'POOL', 'ACTIONS', 'FAILED', 'DURATION', 'FINISHED', 'LABELS'],
                res.taskRecords.map((r) => [
                  r.id,
                  r.taskId,
                  taskStateName(r.state),
                  r.pool || '-',
                  String(r.actionCount),
                  String(r.failedActionCount),
                  formatMs(durationMs(r.duration)),
                  formatTime(r.finishTime),
                  formatLabels(r.labels),
                ]),
              ),
        );
      },
    );

  records
    .command('get')
    .description('show one record (by record id, or --task)')
    .argument('[record-id]')
    .option('--task <task-id>', 'the record of this task')
    .action(async (id: string | undefined, o: { task?: string }, cmd: Command) => {
      const ctx = runtime.context(cmd);
      if ((id === undefined) === (o.task === undefined))
        throw usageError('records get: give either a record id or --task <task-id>, not both or neither');
      const key =
        id !== undefined ? { case: 'recordId' as const, value: id } : { case: 'taskId' as const, value: o.task ?? '' };
      const res = await ctx.clients().records.getTaskRecord({ key, view: TaskRecordView.FULL });
      ctx.emit(GetTaskRecordResponseSchema, res, () => (res.taskRecord ? recordDetails(res.taskRecord) : ''));
    });
}

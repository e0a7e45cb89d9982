/** `nightglow task run|get|list|cancel`: the task executor's tasks. */
import { toJson } from '@bufbuild/protobuf';
import { ValueSchema } from '@bufbuild/protobuf/wkt';
import type { Command } from 'commander';
import {
  ActionState,
  CancelTaskResponseSchema,
  GetTaskResponseSchema,
  ListTasksResponseSchema,
  TaskState,
  type Task,
} from '@nightglow/contracts/executor/v1';
import type { CliRuntime } from '../program.js';
import { taskStateName, taskSummary } from '../format/progress.js';
import { enumLabel, formatLabels, renderTable } from '../format/table.js';
import { durationMs, formatAge, formatMs } from '../format/time.js';
import { durationArg, enumListArg, labelArg, positiveIntArg } from '../parse.js';
import { runTask, type RunOptions } from '../task-run/run-task.js';
import { siteArg } from '../task-run/rebase.js';
import { InvalidArgumentError } from 'commander';

/** The human view of one task: summary, actions, outputs, artifacts. */
export function taskDetails(t: Task): string {
  let text = taskSummary(t);
  const extra = [
    t.sessionId ? `session: ${t.sessionId}${t.ephemeralSession ? ' (ephemeral)' : ''}` : '',
    t.pool ? `pool: ${t.pool}` : '',
    t.templateName ? `template: ${t.templateName} (revision ${t.templateRevision})` : '',
    Object.keys(t.spec?.labels ?? {}).length > 0 ? `labels: ${formatLabels(t.spec?.labels ?? {})}` : '',
    t.recordId ? `record: ${t.recordId}` : '',
  ].filter((l) => l !== '');
  if (extra.length > 0) text += `${extra.join('\n')}\n`;
  if (t.actionResults.length > 0)
    text += renderTable(
      ['#', 'ACTION', 'TYPE', 'STATE', 'ATTEMPTS', 'DURATION', 'ERROR'],
      t.actionResults.map((r) => [
        String(r.index + 1),
        r.name,
        r.actionType,
        enumLabel(ActionState, r.state, 'ACTION_STATE_'),
        String(r.attempts),
        r.duration ? formatMs(durationMs(r.duration)) : '-',
        r.error?.message ?? '',
      ]),
    );
  const outputs = Object.keys(t.outputs).sort();
  if (outputs.length > 0)
    text += `outputs:\n${outputs.map((n) => `  ${n}: ${JSON.stringify(toJson(ValueSchema, t.outputs[n]!))}`).join('\n')}\n`;
  if (t.artifacts.length > 0)
    text += `artifacts:\n${t.artifacts.map((a) => `  ${a.name || a.id}: ${a.id} (${a.contentType}, ${a.sizeBytes} bytes)`).join('\n')}\n`;
  return text;
}

function taskRow(t: Task, now: number): string[] {
  return [
    t.id,
    taskStateName(t.state),
    `${t.progress?.completed ?? 0}/${t.progress?.total ?? 0}`,
    t.pool || '-',
    t.templateName || '-',
    formatAge(t.createTime, now),
    formatLabels(t.spec?.labels ?? {}),
  ];
}

/** Registers `task` and its subcommands. */
export function registerTask(program: Command, runtime: CliRuntime): void {
  const task = program.command('task').description('run tasks from task files, inspect, list and cancel them');

  task
    .command('run')
    .description('submit a task file, follow its progress, print outputs, save artifacts and print the record id')
    .argument('<file>', 'task file (YAML or JSON, the AutomationTask spec)')
    .option(
      '--site <url>',
      `rebase every URL of the file on ${'http://127.0.0.1:8088'} (the demo site) onto this URL`,
      (v: string) => {
        try {
          return siteArg(v);
        } catch (e) {
          throw new InvalidArgumentError((e as Error).message);
        }
      },
    )
    .option('--session <id>', "run in this existing READY session instead of the file's")
    .option('--label <key=value>', 'add a task label (repeatable)', labelArg)
    .option('--idempotency-key <key>', 'a repeated submit with this key returns the first task')
    .option('--artifacts-dir <dir>', 'where to save artifacts (default ./nightglow-artifacts/<task id>)')
    .option('--no-artifacts', 'do not download artifacts')
    .option(
      '--record-wait <duration>',
      'how long to wait for the record store to seal the record (0s: do not wait)',
      durationArg,
      30_000,
    )
    .option('--detach', 'submit, print the task id and return without following it')
    .option('--validate', 'only check the task with the executor (nothing runs)')
    .action(async (file: string, o: RunOptions, cmd: Command) => {
      await runTask(runtime.context(cmd), file, o);
    });

  task
    .command('get')
    .description('show one task with its action results, outputs and artifacts')
    .argument('<task-id>')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const ctx = runtime.context(cmd);
      const res = await ctx.clients().executor.getTask({ taskId: id });
      ctx.emit(GetTaskResponseSchema, res, () => (res.task ? taskDetails(res.task) : ''));
    });

  task
    .command('list')
    .description('list tasks, newest first')
    .option(
      '--state <state>',
      'only these states (repeatable): queued, running, succeeded, failed, cancelled, timed-out',
      enumListArg(TaskState, 'TASK_STATE_'),
    )
    .option('--pool <name>', 'only tasks of this pool')
    .option('--session <id>', 'only tasks run in this session')
    .option('-l, --selector <selector>', 'label selector, e.g. sample=news-titles')
    .option('--limit <n>', 'at most this many (default 50, max 1000)', positiveIntArg)
    .action(
      async (
        o: { state?: number[]; pool?: string; session?: string; selector?: string; limit?: number },
        cmd: Command,
      ) => {
        const ctx = runtime.context(cmd);
        const res = await ctx.clients().executor.listTasks({
          states: o.state ?? [],
          pool: o.pool ?? '',
          sessionId: o.session ?? '',
          labelSelector: o.selector ?? '',
          pageSize: o.limit ?? 0,
        });
        ctx.emit(ListTasksResponseSchema, res, () =>
          res.tasks.length === 0
            ? 'No tasks found.\n'
            : renderTable(
                ['ID', 'STATE', 'PROGRESS', 'POOL', 'TEMPLATE', 'AGE', 'LABELS'],
                res.tasks.map((t) => taskRow(t, ctx.now())),
              ),
        );
      },
    );

  task
    .command('cancel')
    .description('cancel a queued or running task')
    .argument('<task-id>')
    .option('--reason <text>', 'recorded in the task error message')
    .action(async (id: string, o: { reason?: string }, cmd: Command) => {
      const ctx = runtime.context(cmd);
      const res = await ctx.clients().executor.cancelTask({ taskId: id, reason: o.reason ?? '' });
      ctx.emit(CancelTaskResponseSchema, res, () => `task ${id} ${taskStateName(res.task?.state ?? 0)}\n`);
    });
}

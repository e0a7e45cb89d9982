/**
 * `nightglow task run FILE`: load and check the task file (nothing is
 * submitted when it has problems), optionally rebase its demo-site URLs,
 * submit, follow WatchTask (a bar on a TTY, a line per action event
 * otherwise), then print the outputs, save the artifacts and wait — bounded —
 * for the record store to seal the record. Ctrl-C cancels the task.
 */
import { isAbsolute, resolve } from 'node:path';
import { create, toJson, type JsonValue } from '@bufbuild/protobuf';
import { ValueSchema } from '@bufbuild/protobuf/wkt';
import {
  TaskSchema,
  TaskSpecSchema,
  TaskState,
  type ActionEvent,
  type Task,
  type TaskSpec,
} from '@nightglow/contracts/executor/v1';
import type { CommandContext, Output } from '../context.js';
import { CliError, ExitCode, RpcFailure, SERVICE_LABELS, toCliError, usageError } from '../errors.js';
import { actionEventLine, progressBar, progressLabel, taskStateName, taskSummary } from '../format/progress.js';
import { formatMs } from '../format/time.js';
import { saveArtifacts, waitForRecord, type SavedArtifact } from './artifacts.js';
import { DEMO_ORIGIN, rebaseSpec } from './rebase.js';

const TERMINAL: ReadonlySet<TaskState> = new Set([
  TaskState.SUCCEEDED,
  TaskState.FAILED,
  TaskState.CANCELLED,
  TaskState.TIMED_OUT,
]);

/** Options of `task run`. */
export type RunOptions = {
  readonly site?: string;
  readonly session?: string;
  readonly label?: Record<string, string>;
  readonly idempotencyKey?: string;
  readonly artifactsDir?: string;
  readonly artifacts: boolean;
  readonly recordWait: number;
  readonly detach?: boolean;
  readonly validate?: boolean;
};

/** Loads a task file with the executor's loader; problems become one usage error listing `file:line:column: field: message`. */
export async function loadSpec(file: string, cwd: string): Promise<TaskSpec> {
  const { loadTaskFile, TaskFileError } = await import('@nightglow/task-executor');
  const path = isAbsolute(file) ? file : resolve(cwd, file);
  try {
    return await loadTaskFile(path);
  } catch (e) {
    if (e instanceof TaskFileError) {
      const lines = e.problems.map(
        (p) => `${file}:${p.line}:${p.column}: ${p.field ? `${p.field}: ` : ''}${p.message}`,
      );
      const n = lines.length;
      throw usageError(`task file ${file} has ${n} problem${n === 1 ? '' : 's'}; nothing was submitted`, lines);
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw usageError(`task file ${file}: no such file`);
    if (code === 'EISDIR') throw usageError(`task file ${file}: is a folder, not a file`);
    throw usageError(`task file ${file}: ${(e as Error).message}`);
  }
}

/** Applies `--site`, `--session` and `--label` to a loaded spec. */
export function applyRunOptions(spec: TaskSpec, o: RunOptions, demoSite: string | undefined): TaskSpec {
  const site = o.site ?? (demoSite !== undefined && demoSite !== DEMO_ORIGIN ? demoSite : undefined);
  const out = site !== undefined ? rebaseSpec(spec, site) : create(TaskSpecSchema, spec);
  if (o.session !== undefined) out.session = { case: 'sessionId', value: o.session };
  if (o.label) out.labels = { ...out.labels, ...o.label };
  if (o.idempotencyKey !== undefined) out.idempotencyKey = o.idempotencyKey;
  return out;
}

/** Draws progress on `out`: a bar redrawn in place on a TTY (left standing at the end), else a line per event. */
function progressView(out: Output): { event(e: ActionEvent): void; end(): void } {
  if (!out.isTTY) return { event: (e) => void out.write(`${actionEventLine(e)}\n`), end: () => undefined };
  const width = Math.max(10, Math.min(30, (out.columns ?? 80) - 50));
  let drawn = false;
  return {
    event(e) {
      const failed = e.result?.error?.message;
      if (failed) out.write(`\r\x1b[2K${actionEventLine(e)}\n`);
      out.write(
        `\r\x1b[2K${progressBar(e.progress?.completed ?? 0, e.progress?.total ?? 0, width)}  ${progressLabel(e)}`,
      );
      drawn = true;
    },
    end() {
      if (drawn) out.write('\n');
    },
  };
}

/** Follows the task until its terminal event; aborts (for cancellation) when `signal` does. */
async function follow(ctx: CommandContext, taskId: string, signal: AbortSignal): Promise<Task | undefined> {
  const view = progressView(ctx.format === 'table' ? ctx.io.stdout : ctx.io.stderr);
  let last: Task | undefined;
  try {
    for await (const res of ctx.clients().executor.watchTask({ taskId, sendInitialState: true }, { signal })) {
      const e = res.event;
      if (e.case === 'actionEvent') view.event(e.value);
      else if (e.case === 'taskEvent' && e.value.task) last = e.value.task;
    }
  } catch (e) {
    if (!signal.aborted) throw e;
  } finally {
    view.end();
  }
  return last;
}

function outputsText(t: Task): string {
  const names = Object.keys(t.outputs).sort();
  if (names.length === 0) return '';
  const lines = names.map((n) => {
    const v = t.outputs[n];
    return `  ${n}: ${v ? JSON.stringify(toJson(ValueSchema, v)) : 'null'}`;
  });
  return `outputs:\n${lines.join('\n')}\n`;
}

/** Runs `task run` end to end. */
export async function runTask(ctx: CommandContext, file: string, o: RunOptions): Promise<void> {
  const loaded = await loadSpec(file, ctx.io.cwd);
  const endpoints = ctx.endpoints();
  const fromFile = endpoints.executor.source === endpoints.file?.path ? endpoints.file?.demoSite : undefined;
  const spec = applyRunOptions(loaded, o, fromFile);
  const { executor } = ctx.clients();
  if (o.validate) {
    const res = await executor.submitTask({ spec, validateOnly: true });
    ctx.emitData(
      res.task ? toJson(TaskSchema, res.task) : null,
      () => `task file ${file} is valid (${spec.actions.length} actions)\n`,
    );
    return;
  }
  const submitted = await executor.submitTask({ spec });
  const taskId = submitted.task?.id ?? '';
  if (o.detach) {
    ctx.emitData(submitted.task ? toJson(TaskSchema, submitted.task) : null, () => `task ${taskId} submitted\n`);
    return;
  }
  const stream = new AbortController();
  const onInterrupt = (): void => stream.abort();
  ctx.io.signal.addEventListener('abort', onInterrupt);
  if (ctx.io.signal.aborted) stream.abort();
  const what = spec.template ? `template ${spec.template.name}` : `${spec.actions.length} actions`;
  if (ctx.format === 'table') ctx.print(`task ${taskId} submitted (${what})\n`);
  else ctx.note(`task ${taskId} submitted (${what})`);
  let task: Task | undefined;
  try {
    task = await follow(ctx, taskId, stream.signal);
  } finally {
    ctx.io.signal.removeEventListener('abort', onInterrupt);
  }
  if (ctx.io.signal.aborted) {
    const res = await executor.cancelTask({ taskId, reason: 'interrupted from the nightglow CLI' });
    throw new CliError(`interrupted: task ${taskId} is ${taskStateName(res.task?.state ?? 0)}`, ExitCode.INTERRUPTED);
  }
  if (!task || !TERMINAL.has(task.state))
    throw new CliError(`task ${taskId}: the watch ended before the task did`, ExitCode.SERVER_ERROR);
  await finish(ctx, task, o);
}

/** Prints outputs, saves artifacts, waits for the record; sets the exit code from the task's state. */
async function finish(ctx: CommandContext, task: Task, o: RunOptions): Promise<void> {
  const waiting = { deadline: ctx.now() + o.recordWait, now: () => ctx.now(), signal: ctx.io.signal, intervalMs: 250 };
  const { records } = ctx.clients();
  const notes: string[] = [];
  let saved: SavedArtifact[] = [];
  let recordId: string | undefined;
  const recordsDown = (e: unknown): boolean => {
    if (!(e instanceof RpcFailure)) return false;
    notes.push(toCliError(e).message);
    return true;
  };
  try {
    if (o.artifacts && task.artifacts.length > 0) {
      const dir = resolve(ctx.io.cwd, o.artifactsDir ?? `nightglow-artifacts/${task.id}`);
      const res = await saveArtifacts(records, task.artifacts, dir, waiting);
      saved = res.saved;
      for (const m of res.missing)
        notes.push(
          `artifact ${m.name || m.id} not available from ${SERVICE_LABELS.records} within ${formatMs(o.recordWait)}`,
        );
    }
    if (o.recordWait > 0) {
      recordId = await waitForRecord(records, task.id, waiting);
      if (recordId === undefined)
        notes.push(
          `the record store has not sealed the record of task ${task.id} within ${formatMs(o.recordWait)}; look later with: nightglow records get --task ${task.id}`,
        );
    }
  } catch (e) {
    if (!recordsDown(e)) throw e;
  }
  const data: JsonValue = {
    task: toJson(TaskSchema, task),
    artifacts: saved.map((a) => ({ id: a.id, name: a.name, path: a.path, sizeBytes: a.sizeBytes, sha256: a.sha256 })),
    ...(recordId !== undefined ? { recordId } : {}),
    notes,
  };
  ctx.emitData(data, () => {
    let text = taskSummary(task) + outputsText(task);
    if (saved.length > 0)
      text += `artifacts:\n${saved.map((a) => `  ${a.name || a.id}: ${a.path} (${a.sizeBytes} bytes)`).join('\n')}\n`;
    if (recordId !== undefined) text += `record: ${recordId}\n`;
    return text;
  });
  if (ctx.format === 'table') for (const n of notes) ctx.note(`note: ${n}`);
  if (task.state !== TaskState.SUCCEEDED)
    throw new CliError(
      `task ${task.id} ${taskStateName(task.state)}${task.error ? `: ${task.error.message}` : ''}`,
      ExitCode.TASK_UNSUCCESSFUL,
    );
}

/**
 * Runs one task from its execution slot to its terminal state: starts the
 * task timeout, gets the session, connects puppeteer, runs the actions in
 * order, marks the rest SKIPPED when it ends early, gives the session back
 * (deleting an ephemeral one) and only then publishes the terminal event, so
 * whoever sees the task finished also sees its ephemeral session gone.
 */
import { clone, create } from '@bufbuild/protobuf';
import {
  ActionErrorReason,
  ActionEventType,
  ActionResultSchema,
  ActionState,
  ProgressSchema,
  TaskErrorSchema,
  TaskFailureReason,
  TaskState,
  type TaskError,
} from '@nightglow/contracts/executor/v1';
import { isExecutorError } from '../errors.js';
import { connectPage, type ConnectedPage } from '../sessions/connect-page.js';
import type { AcquiredSession } from '../sessions/port.js';
import { timestampOf } from '../spec/durations.js';
import { runAction } from './action-runner.js';
import { stopJob, type Job, type RunnerDeps } from './job.js';
import { assertTransition, eventTypeOf } from './task-state.js';

const taskError = (reason: TaskFailureReason, message: string, actionIndex?: number): TaskError =>
  create(TaskErrorSchema, { reason, message, ...(actionIndex === undefined ? {} : { actionIndex }) });

async function transition(job: Job, deps: RunnerDeps, to: TaskState): Promise<void> {
  assertTransition(job.task.state, to);
  deps.metrics.tasks.child(TaskState[job.task.state]).dec();
  job.task.state = to;
  if (to === TaskState.RUNNING) deps.metrics.tasks.child('RUNNING').inc();
  else deps.metrics.tasksTotal.child(TaskState[to]).inc();
  await deps.store.putTask(job.task);
  await deps.events.task(job.task, eventTypeOf(to));
}

async function skipRest(job: Job, deps: RunnerDeps): Promise<void> {
  for (const [i, r] of job.task.actionResults.entries()) {
    if (r.state !== ActionState.PENDING) continue;
    r.state = ActionState.SKIPPED;
    if (job.task.progress) job.task.progress.completed += 1;
    await deps.events.action(job.task, {
      type: ActionEventType.SKIPPED,
      actionId: `${job.task.id}/${i}`,
      result: clone(ActionResultSchema, r),
      progress: clone(ProgressSchema, job.task.progress ?? create(ProgressSchema)),
    });
  }
}

async function runActions(
  job: Job,
  deps: RunnerDeps,
  session: AcquiredSession,
  page: ConnectedPage,
): Promise<TaskError | undefined> {
  for (let i = 0; i < job.actions.length; i++) {
    if (job.abort.signal.aborted) return undefined;
    if (await runAction({ job, deps, session, page }, i)) continue;
    if (job.abort.signal.aborted) return undefined;
    const r = job.task.actionResults[i];
    const lost = !page.browser.connected;
    return taskError(
      lost ? TaskFailureReason.SESSION_LOST : TaskFailureReason.ACTION_FAILED,
      lost
        ? `session ${session.sessionId} was lost: ${r?.error?.message ?? ''}`
        : `action ${r?.name ?? i} failed: ${r?.error?.message ?? ''}`,
      i,
    );
  }
  return undefined;
}

function stoppedError(job: Job): TaskError | undefined {
  if (!job.stop) return undefined;
  const running = job.task.actionResults.findIndex(
    (r) => r.state === ActionState.FAILED && r.error?.reason === ActionErrorReason.CANCELLED,
  );
  const reason = job.stop.kind === 'cancel' ? TaskFailureReason.CANCELLED : TaskFailureReason.TIMED_OUT;
  return taskError(reason, job.stop.message, running >= 0 ? running : undefined);
}

/** Runs `job` to its terminal state; never rejects (unexpected errors end the task FAILED/INTERNAL). */
export async function runTask(job: Job, deps: RunnerDeps): Promise<void> {
  const timer = deps.clock.setTimeout(
    () => stopJob(job, { kind: 'timeout', message: `task timeout of ${job.taskTimeoutMs} ms passed` }),
    job.taskTimeoutMs,
  );
  let session: AcquiredSession | undefined;
  let page: ConnectedPage | undefined;
  let failure: TaskError | undefined;
  try {
    if (!job.abort.signal.aborted) {
      session = await deps.sessions.acquire(
        { taskId: job.task.id, session: job.task.spec?.session ?? { case: undefined } },
        job.abort.signal,
      );
      Object.assign(job.task, {
        sessionId: session.sessionId,
        pool: session.pool,
        ephemeralSession: session.ephemeral,
      });
      page = await connectPage(session);
      if (job.owned && !(await job.owned()))
        stopJob(job, { kind: 'lost', message: 'another executor replica took the task over' });
    }
    if (!job.abort.signal.aborted && page && session) {
      job.task.startTime = timestampOf(deps.clock.now());
      await transition(job, deps, TaskState.RUNNING);
      failure = await runActions(job, deps, session, page);
    }
  } catch (e) {
    if (!job.abort.signal.aborted) {
      const sessionProblem = isExecutorError(e) && e.code !== 'INTERNAL';
      if (!sessionProblem) deps.logger.error({ err: e, task_id: job.task.id }, 'task failed unexpectedly');
      failure = sessionProblem
        ? taskError(TaskFailureReason.SESSION_UNAVAILABLE, e.message)
        : taskError(TaskFailureReason.INTERNAL, 'unexpected executor error (see executor logs)');
    }
  } finally {
    timer.cancel();
  }
  await finish(job, deps, { failure, session, page });
}

/** Another replica took the task over: let go of the page and session, write nothing (the task is its now). */
async function letGo(
  job: Job,
  deps: RunnerDeps,
  at: { session: AcquiredSession | undefined; page: ConnectedPage | undefined },
): Promise<void> {
  deps.metrics.tasks.child(TaskState[job.task.state]).dec();
  await at.page?.disconnect();
  if (at.session) await deps.sessions.release(at.session);
}

async function finish(
  job: Job,
  deps: RunnerDeps,
  at: { failure: TaskError | undefined; session: AcquiredSession | undefined; page: ConnectedPage | undefined },
): Promise<void> {
  if (job.stop?.kind === 'lost') return letGo(job, deps, at);
  try {
    await skipRest(job, deps);
    await at.page?.disconnect();
    if (at.session) await deps.sessions.release(at.session);
    await deps.phases.flush();
  } catch (e) {
    deps.logger.warn({ err: e, task_id: job.task.id }, 'task clean-up failed');
  }
  const stopped = stoppedError(job);
  const error = stopped ?? at.failure;
  const state = stopped
    ? job.stop?.kind === 'cancel'
      ? TaskState.CANCELLED
      : TaskState.TIMED_OUT
    : error
      ? TaskState.FAILED
      : TaskState.SUCCEEDED;
  job.task.error = error;
  job.task.finishTime = timestampOf(deps.clock.now());
  job.task.currentActionIndex = undefined;
  job.task.currentActionName = '';
  await transition(job, deps, state).catch((e: unknown) =>
    deps.logger.error({ err: e, task_id: job.task.id }, 'could not record the end of a task'),
  );
}

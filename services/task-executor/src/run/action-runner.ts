/**
 * Runs one action of a task: attempts with the action's timeout, retries with
 * backoff, interruption by cancellation or the task timeout within the
 * attempt (not after it), the result with duration, output, artifacts and
 * behavior, an error snapshot on failure, phase marks, and the action events.
 */
import { clone, create, fromJson } from '@bufbuild/protobuf';
import { ValueSchema } from '@bufbuild/protobuf/wkt';
import {
  ActionErrorReason,
  ActionEventType,
  ActionResultSchema,
  ActionState,
  ProgressSchema,
} from '@nightglow/contracts/executor/v1';
import { ActionPhase } from '@nightglow/contracts/instrumentation/v1';
import { ArtifactRefSchema } from '@nightglow/contracts/common/v1';
import { ActionFailure, classify } from '../actions/action-failure.js';
import { createBehaviorRecorder } from '../actions/human-input.js';
import type { ActionContext, ActionOutcome } from '../actions/action-context.js';
import { attempt, errorOf, interrupted, type ActionRun } from './action-attempt.js';
import { actionName, actionType } from '../spec/action-kinds.js';
import { durationOf, timestampMs, timestampOf, toMs } from '../spec/durations.js';
import { captureErrorSnapshot, createArtifactSink, pageInfo } from './artifacts.js';
import { backoffOf, runWithRetry } from './retry.js';

/** Runs action `index`; resolves whether the task goes on (success, or failure with continue_on_error). */
export async function runAction(run: ActionRun, index: number): Promise<boolean> {
  const { job, deps } = run;
  const action = job.actions[index];
  const result = job.task.actionResults[index];
  if (!action || !result) return false;
  const name = actionName(action, index);
  const type = actionType(action);
  const actionId = `${job.task.id}/${index}`;
  const started = deps.clock.now();
  const progress = (): ReturnType<typeof clone<typeof ProgressSchema>> =>
    clone(ProgressSchema, job.task.progress ?? create(ProgressSchema));
  const mark = (phase: ActionPhase, extra: object = {}): void =>
    deps.phases.mark(run.session.sidecarAddress, {
      sessionId: run.session.sessionId,
      taskId: job.task.id,
      actionId,
      actionIndex: index,
      actionName: name,
      actionType: type,
      phase,
      ok: false,
      error: '',
      time: timestampOf(deps.clock.now()),
      targetId: run.page.targetId,
      ...extra,
    });
  Object.assign(result, { state: ActionState.RUNNING, startTime: timestampOf(started), attempts: 0 });
  job.task.currentActionIndex = index;
  job.task.currentActionName = name;
  await deps.store.putTask(job.task);
  await deps.events.action(job.task, {
    type: ActionEventType.STARTED,
    actionId,
    result: clone(ActionResultSchema, result),
    progress: progress(),
  });
  mark(ActionPhase.START);

  const behavior = createBehaviorRecorder();
  const sink = createArtifactSink(deps.clock);
  const timeoutMs = toMs(action.timeout) ?? job.actionTimeoutMs;
  const ctx: ActionContext = {
    page: run.page.page,
    timeoutMs,
    signal: job.abort.signal,
    clock: deps.clock,
    actionName: name,
    human: job.human,
    behavior,
    artifacts: sink,
  };
  let failure: ActionFailure | undefined;
  let outcome: ActionOutcome = {};
  try {
    const r = await runWithRetry(
      backoffOf(action.retry),
      {
        attempt: (n) => {
          result.attempts = n;
          return attempt(ctx, run, index);
        },
        retryable: (e) => e instanceof ActionFailure && e.retryable && !job.abort.signal.aborted,
        onRetry: (e, _next, delayMs) => {
          result.error = errorOf(classify(e, { timeoutMs }), run.page.page.url());
          deps.metrics.actionRetries.child(type).inc();
          void deps.events.action(job.task, {
            type: ActionEventType.RETRYING,
            actionId,
            result: clone(ActionResultSchema, result),
            progress: progress(),
            retryDelay: durationOf(delayMs),
          });
        },
      },
      { clock: deps.clock, signal: job.abort.signal },
    );
    outcome = r.value;
  } catch (e) {
    failure = job.abort.signal.aborted ? interrupted(job) : classify(e, { timeoutMs });
  }

  if (failure && failure.reason !== ActionErrorReason.CANCELLED) {
    const snap = await captureErrorSnapshot(run.page.page, sink, {
      actionName: name,
      actionIndex: index,
      message: failure.message,
      clock: deps.clock,
    });
    job.task.errorSnapshot = snap;
  }
  result.state = failure ? ActionState.FAILED : ActionState.SUCCEEDED;
  if (failure) result.error = errorOf(failure, run.page.page.url());
  else result.error = undefined;
  if (outcome.output) {
    const v = fromJson(ValueSchema, outcome.output.value);
    result.output = v;
    job.task.outputs[outcome.output.name] = v;
  }
  if (job.human) result.behavior = behavior.stats();
  if (!failure || failure.reason !== ActionErrorReason.CANCELLED) result.page = await pageInfo(run.page.page);
  result.duration = durationOf(deps.clock.now() - timestampMs(result.startTime));
  const withData = clone(ActionResultSchema, result);
  withData.artifacts = sink.items;
  result.artifacts = sink.items.map((a) => Object.assign(clone(ArtifactRefSchema, a), { data: new Uint8Array(0) }));
  job.task.artifacts.push(...result.artifacts);
  if (job.task.progress) job.task.progress.completed += 1;
  job.task.currentActionIndex = undefined;
  job.task.currentActionName = '';
  deps.metrics.actionDuration
    .child(type, failure ? 'failed' : 'succeeded')
    .observe((deps.clock.now() - started) / 1000);
  mark(ActionPhase.END, {
    ok: !failure,
    error: failure?.message ?? '',
    ...(job.human ? { behavior: result.behavior } : {}),
  });
  await deps.store.putTask(job.task);
  await deps.events.action(job.task, {
    type: failure ? ActionEventType.FAILED : ActionEventType.SUCCEEDED,
    actionId,
    result: withData,
    progress: progress(),
  });
  return !failure || (action.continueOnError && !job.abort.signal.aborted);
}

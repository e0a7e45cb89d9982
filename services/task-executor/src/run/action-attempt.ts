/**
 * One attempt of an action, bounded by its timeout and interrupted at once by
 * cancellation or the task timeout (the attempt races the abort signal, so a
 * stuck puppeteer call never holds the task), and the mapping of a failure to
 * the `ActionError` users see.
 */
import { create } from '@bufbuild/protobuf';
import { ActionErrorReason, ActionErrorSchema, type ActionError } from '@nightglow/contracts/executor/v1';
import { ActionFailure, classify } from '../actions/action-failure.js';
import { executeAction, selectorOf } from '../actions/execute-action.js';
import type { ActionContext, ActionOutcome } from '../actions/action-context.js';
import type { AcquiredSession } from '../sessions/port.js';
import type { ConnectedPage } from '../sessions/connect-page.js';
import { durationOf } from '../spec/durations.js';
import type { Job, RunnerDeps } from './job.js';

/** Where an action runs. */
export type ActionRun = {
  readonly job: Job;
  readonly deps: RunnerDeps;
  readonly page: ConnectedPage;
  readonly session: AcquiredSession;
};

/** The failure of an attempt cut short by cancellation or the task timeout. */
export function interrupted(job: Job): ActionFailure {
  return new ActionFailure(ActionErrorReason.CANCELLED, `interrupted: ${job.stop?.message ?? 'task stopped'}`);
}

/** Runs one attempt of action `index` in `ctx`; rejects with an ActionFailure. */
export async function attempt(ctx: ActionContext, run: ActionRun, index: number): Promise<ActionOutcome> {
  const action = run.job.actions[index];
  if (!action) throw new ActionFailure(ActionErrorReason.INTERNAL, `no action ${index}`);
  const selector = selectorOf(action);
  run.page.page.setDefaultTimeout(ctx.timeoutMs);
  let cleanup = (): void => undefined;
  const guard = new Promise<never>((_, reject) => {
    const onAbort = (): void => reject(interrupted(run.job));
    if (ctx.signal.aborted) return onAbort();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const t = run.deps.clock.setTimeout(
      () => reject(ActionFailure.timeout(`action ${ctx.actionName}`, ctx.timeoutMs, selector)),
      ctx.timeoutMs + 2000,
    );
    cleanup = () => {
      ctx.signal.removeEventListener('abort', onAbort);
      t.cancel();
    };
  });
  try {
    return await Promise.race([
      executeAction(ctx, action).catch((e: unknown) => {
        throw ctx.signal.aborted
          ? interrupted(run.job)
          : classify(e, { ...(selector === undefined ? {} : { selector }), timeoutMs: ctx.timeoutMs });
      }),
      guard,
    ]);
  } finally {
    cleanup();
  }
}

/** The ActionError of a failure, with the page URL at the time. */
export function errorOf(f: ActionFailure, url: string): ActionError {
  return create(ActionErrorSchema, {
    reason: f.reason,
    message: f.message,
    selector: f.details.selector ?? '',
    ...(f.details.timeoutMs === undefined ? {} : { timeout: durationOf(f.details.timeoutMs) }),
    url,
    expected: f.details.expected ?? '',
    actual: f.details.actual ?? '',
  });
}

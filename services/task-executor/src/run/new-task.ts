/**
 * Turns a submitted spec into a task: expands its template (or takes its
 * inline actions), validates everything, checks an existing session, and
 * builds the QUEUED task with one PENDING result per action. Secrets are
 * masked in the task; the real actions are returned beside it.
 */
import { clone, create } from '@bufbuild/protobuf';
import { ValueSchema } from '@bufbuild/protobuf/wkt';
import { newEventId } from '@nightglow/bus';
import {
  ActionResultSchema,
  ActionState,
  ProgressSchema,
  TaskSchema,
  TaskSpecSchema,
  TaskState,
  type Action,
  type Task,
  type TaskSpec,
} from '@nightglow/contracts/executor/v1';
import type { Clock } from '@nightglow/runtime';
import { ExecutorError } from '../errors.js';
import type { SessionProvider } from '../sessions/port.js';
import type { TaskStore } from '../store/port.js';
import { actionName, actionType } from '../spec/action-kinds.js';
import { timestampOf } from '../spec/durations.js';
import { REDACTED, redactAction } from '../spec/redact.js';
import { validateTask } from '../spec/validate-spec.js';
import { expandTemplate } from '../templates/expand-template.js';

/** What {@link prepareTask} needs. */
export type PrepareDeps = {
  readonly store: TaskStore;
  readonly sessions: SessionProvider;
  readonly allowEvaluate: boolean;
  readonly clock: Clock;
};

/** A prepared task: the masked task to store and the real actions to run. */
export type PreparedTask = { readonly task: Task; readonly actions: Action[] };

async function actionsOf(
  spec: TaskSpec,
  deps: PrepareDeps,
): Promise<{
  actions: Action[];
  masked: Action[];
  template?: { name: string; revision: bigint; sensitive: string[] };
}> {
  if (!spec.template) return { actions: spec.actions, masked: spec.actions.map((a) => redactAction(a)) };
  const name = spec.template.name;
  if (name === '') throw ExecutorError.invalid([{ field: 'template.name', description: 'must be set' }]);
  if (spec.actions.length > 0)
    throw ExecutorError.invalid([{ field: 'template', description: 'set either actions or template, not both' }]);
  const template = await deps.store.getTemplate(name);
  if (!template) throw ExecutorError.notFound('template', name);
  const x = expandTemplate(template, spec.template);
  const sensitive = template.parameters.filter((p) => p.sensitive).map((p) => p.name);
  return {
    actions: x.actions,
    masked: x.redacted.map((a) => redactAction(a)),
    template: { name, revision: template.revision, sensitive },
  };
}

/** Validates `spec` and builds its task (state QUEUED, or UNSPECIFIED with `validateOnly`). */
export async function prepareTask(spec: TaskSpec, deps: PrepareDeps, validateOnly: boolean): Promise<PreparedTask> {
  const x = await actionsOf(spec, deps);
  validateTask(spec, { actions: x.actions, allowEvaluate: deps.allowEvaluate });
  if (spec.session.case === 'sessionId') await deps.sessions.check(spec.session.value);
  const echoed = clone(TaskSpecSchema, spec);
  echoed.actions = echoed.actions.map((a) => redactAction(a));
  for (const p of x.template?.sensitive ?? []) {
    if (echoed.template?.parameters[p])
      echoed.template.parameters[p] = create(ValueSchema, { kind: { case: 'stringValue', value: REDACTED } });
  }
  const now = deps.clock.now();
  const task = create(TaskSchema, {
    id: newEventId(),
    spec: echoed,
    state: validateOnly ? TaskState.UNSPECIFIED : TaskState.QUEUED,
    progress: create(ProgressSchema, { completed: 0, total: x.actions.length }),
    actions: x.masked,
    actionResults: x.actions.map((a, i) =>
      create(ActionResultSchema, {
        index: i,
        name: actionName(a, i),
        actionType: actionType(a),
        state: ActionState.PENDING,
      }),
    ),
    ephemeralSession: spec.session.case !== 'sessionId',
    sessionId: spec.session.case === 'sessionId' ? spec.session.value : '',
    pool: spec.session.case === 'ephemeralSession' ? spec.session.value.pool : '',
    templateName: x.template?.name ?? '',
    templateRevision: x.template?.revision ?? 0n,
    createTime: timestampOf(now),
  });
  return { task, actions: x.actions };
}

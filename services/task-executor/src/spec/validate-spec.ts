/**
 * Submit-time validation of a task: the spec's own fields and every action of
 * the list it will run (inline, or expanded from its template). Problems are
 * collected, not thrown one by one, so a client sees all of them at once.
 */
import type { FieldViolation } from '@nightglow/runtime';
import type { Action, TaskSpec } from '@nightglow/contracts/executor/v1';
import { ExecutorError } from '../errors.js';
import { actionName, actionType } from './action-kinds.js';
import { MAX_TASK_TIMEOUT_MS, toMs } from './durations.js';
import { validateAction } from './validate-action.js';

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Checks Kubernetes label syntax of `labels` under `path`. */
export function validateLabels(labels: Record<string, string>, path: string): FieldViolation[] {
  const out: FieldViolation[] = [];
  for (const [k, v] of Object.entries(labels)) {
    if (!LABEL_NAME.test(k))
      out.push({ field: `${path}[${JSON.stringify(k)}]`, description: 'is not a valid label key' });
    if (!LABEL_VALUE.test(v))
      out.push({ field: `${path}[${JSON.stringify(k)}]`, description: 'is not a valid label value' });
  }
  return out;
}

function specFields(spec: TaskSpec): FieldViolation[] {
  const out: FieldViolation[] = [];
  const hasActions = spec.actions.length > 0;
  if (hasActions && spec.template)
    out.push({ field: 'template', description: 'set either actions or template, not both' });
  if (!hasActions && !spec.template) out.push({ field: 'actions', description: 'set actions or template' });
  if (spec.template && spec.template.name === '') out.push({ field: 'template.name', description: 'must be set' });
  const timeout = toMs(spec.timeout);
  if (timeout !== undefined && (timeout <= 0 || timeout > MAX_TASK_TIMEOUT_MS)) {
    out.push({ field: 'timeout', description: 'must be positive and at most 1h' });
  }
  const actionTimeout = toMs(spec.actionTimeout);
  if (actionTimeout !== undefined && actionTimeout <= 0)
    out.push({ field: 'action_timeout', description: 'must be positive' });
  if (spec.session.case === 'sessionId' && spec.session.value.trim() === '') {
    out.push({ field: 'session_id', description: 'must not be blank' });
  }
  if (spec.session.case === 'ephemeralSession') {
    const pool = spec.session.value.pool;
    if (pool !== '' && !DNS_LABEL.test(pool))
      out.push({ field: 'ephemeral_session.pool', description: 'is not a DNS-1123 label' });
    out.push(...validateLabels(spec.session.value.labels, 'ephemeral_session.labels'));
  }
  if (spec.idempotencyKey.length > 256)
    out.push({ field: 'idempotency_key', description: 'must be at most 256 characters' });
  out.push(...validateLabels(spec.labels, 'labels'));
  return out;
}

function uniqueness(actions: readonly Action[]): FieldViolation[] {
  const out: FieldViolation[] = [];
  const names = new Map<string, number>();
  const outputs = new Set<string>();
  const artifacts = new Set<string>();
  actions.forEach((a, i) => {
    const name = actionName(a, i);
    if (a.name !== '' && names.has(name))
      out.push({ field: `actions[${i}].name`, description: `duplicates actions[${names.get(name)}]` });
    names.set(name, i);
    const k = a.kind;
    const output = k.case === 'extract' || k.case === 'evaluate' ? k.value.output || name : undefined;
    if (output !== undefined) {
      if (outputs.has(output))
        out.push({
          field: `actions[${i}].${actionType(a)}.output`,
          description: `output ${JSON.stringify(output)} is used twice`,
        });
      outputs.add(output);
    }
    if (k.case === 'screenshot' && k.value.artifactName !== '') {
      if (artifacts.has(k.value.artifactName))
        out.push({ field: `actions[${i}].screenshot.artifact_name`, description: 'is used twice' });
      artifacts.add(k.value.artifactName);
    }
  });
  return out;
}

/** Options of {@link validateTask}. */
export type ValidateTaskOptions = {
  /** The actions the task will run (inline or expanded). */
  readonly actions: readonly Action[];
  /** Whether `evaluate` actions are allowed (ALLOW_EVALUATE). */
  readonly allowEvaluate: boolean;
  /** Path prefix of the actions in violations: `actions` (inline) or `template.actions`. */
  readonly actionsPath?: string;
};

/**
 * Throws INVALID_ARGUMENT listing every problem of `spec` and its actions, or
 * PERMISSION_DENIED for an `evaluate` action while evaluation is off.
 */
export function validateTask(spec: TaskSpec, opts: ValidateTaskOptions): void {
  const prefix = opts.actionsPath ?? 'actions';
  const violations = specFields(spec);
  opts.actions.forEach((a, i) => violations.push(...validateAction(a, `${prefix}[${i}]`)));
  if (prefix === 'actions') violations.push(...uniqueness(opts.actions));
  if (violations.length > 0) throw ExecutorError.invalid(violations);
  const evalIndex = opts.actions.findIndex((a) => a.kind.case === 'evaluate');
  if (evalIndex >= 0 && !opts.allowEvaluate) {
    throw new ExecutorError(
      'PERMISSION_DENIED',
      `${prefix}[${evalIndex}].evaluate: the executor does not allow evaluate (set ALLOW_EVALUATE=true)`,
      { reason: 'EVALUATE_NOT_ALLOWED' },
    );
  }
}

/**
 * Expansion of a template reference into the action list a task runs: the
 * parameters are resolved (defaults, types) and substituted. Two lists come
 * back: the real one the runner executes, and a redacted one (sensitive
 * parameter values as `***`) that is stored, published and echoed.
 */
import { fromJson, toJson, type JsonValue } from '@bufbuild/protobuf';
import type { FieldViolation } from '@nightglow/runtime';
import { ActionSchema, type Action, type Template, type TemplateRef } from '@nightglow/contracts/executor/v1';
import { ExecutorError } from '../errors.js';
import { REDACTED } from '../spec/redact.js';
import { resolveParameters } from './parameters.js';
import { substitute } from './substitute.js';

/** The result of {@link expandTemplate}. */
export type Expansion = { readonly actions: Action[]; readonly redacted: Action[] };

function expandWith(template: Template, values: ReadonlyMap<string, JsonValue>, out: FieldViolation[]): Action[] {
  return template.actions.map((a, i) => {
    try {
      return fromJson(ActionSchema, substitute(toJson(ActionSchema, a), values));
    } catch (e) {
      out.push({
        field: `template.actions[${i}]`,
        description: `does not expand to a valid action: ${(e as Error).message}`,
      });
      return a;
    }
  });
}

/** Expands `ref` with `template`; throws INVALID_ARGUMENT naming each missing, unknown or mistyped parameter. */
export function expandTemplate(template: Template, ref: TemplateRef): Expansion {
  const violations: FieldViolation[] = [];
  const { values, sensitive } = resolveParameters(template.parameters, ref.parameters, violations);
  if (violations.length > 0) throw ExecutorError.invalid(violations);
  const actions = expandWith(template, values, violations);
  const masked = new Map(values);
  for (const name of sensitive) masked.set(name, REDACTED);
  const redacted = expandWith(template, masked, violations);
  if (violations.length > 0) throw ExecutorError.invalid(violations);
  return { actions, redacted };
}

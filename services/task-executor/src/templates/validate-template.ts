/**
 * Registration-time checks of a template: its name, its parameter
 * declarations (names, unique, defaults of the declared type, no default on a
 * required one), its actions (shape-checked leniently where a `${…}` value is
 * only known at submit time) and its references (every `${name}` declared).
 */
import { toJson } from '@bufbuild/protobuf';
import type { FieldViolation } from '@nightglow/runtime';
import { ActionSchema, type Template } from '@nightglow/contracts/executor/v1';
import { ExecutorError } from '../errors.js';
import { validateAction } from '../spec/validate-action.js';
import { validateLabels } from '../spec/validate-spec.js';
import { jsonOf, matchesType, typeName } from './parameters.js';
import { references } from './substitute.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function parameterViolations(t: Template): FieldViolation[] {
  const out: FieldViolation[] = [];
  const seen = new Set<string>();
  t.parameters.forEach((p, i) => {
    const f = `template.parameters[${i}]`;
    if (!PARAM_NAME.test(p.name)) out.push({ field: `${f}.name`, description: 'must match [A-Za-z_][A-Za-z0-9_]*' });
    if (seen.has(p.name))
      out.push({ field: `${f}.name`, description: `duplicates parameter ${JSON.stringify(p.name)}` });
    seen.add(p.name);
    if (p.defaultValue !== undefined) {
      if (p.required) out.push({ field: `${f}.default_value`, description: 'a required parameter takes no default' });
      else if (!matchesType(jsonOf(p.defaultValue), p.type)) {
        out.push({ field: `${f}.default_value`, description: `must be a ${typeName(p.type)}` });
      }
    }
  });
  return out;
}

/** Throws INVALID_ARGUMENT listing every problem of `t`; field paths start with `template.`. */
export function validateTemplate(t: Template): void {
  const out: FieldViolation[] = [];
  if (t.name.length > 253 || !DNS_SUBDOMAIN.test(t.name)) {
    out.push({ field: 'template.name', description: 'must be a DNS-1123 subdomain, e.g. login-form' });
  }
  out.push(...parameterViolations(t));
  if (t.actions.length === 0) out.push({ field: 'template.actions', description: 'must list at least one action' });
  const declared = new Set(t.parameters.map((p) => p.name));
  t.actions.forEach((a, i) => {
    out.push(...validateAction(a, `template.actions[${i}]`, { lenient: true }));
    for (const ref of references(toJson(ActionSchema, a))) {
      if (!declared.has(ref))
        out.push({ field: `template.actions[${i}]`, description: `references unknown parameter \${${ref}}` });
    }
  });
  out.push(...validateLabels(t.labels, 'template.labels'));
  if (out.length > 0) throw ExecutorError.invalid(out);
}

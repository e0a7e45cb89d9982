/**
 * Template parameters: type checks of JSON values against a declared
 * `ParameterType`, and resolution of a task's given values against the
 * declaration (defaults applied, missing, unknown and mistyped values refused
 * with field details).
 */
import { toJson, type JsonValue } from '@bufbuild/protobuf';
import { ValueSchema, type Value } from '@bufbuild/protobuf/wkt';
import type { FieldViolation } from '@nightglow/runtime';
import { ParameterType, type TemplateParameter } from '@nightglow/contracts/executor/v1';

/** The lower-case name of a parameter type, for messages. */
export function typeName(t: ParameterType): string {
  return (ParameterType[t === ParameterType.UNSPECIFIED ? ParameterType.STRING : t] ?? 'STRING').toLowerCase();
}

/** Whether `v` has parameter type `t`; an INTEGER is a whole number within the 64-bit range. */
export function matchesType(v: JsonValue, t: ParameterType): boolean {
  switch (t) {
    case ParameterType.UNSPECIFIED:
    case ParameterType.STRING:
      return typeof v === 'string';
    case ParameterType.INTEGER:
      return typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= 2 ** 63;
    case ParameterType.NUMBER:
      return typeof v === 'number' && Number.isFinite(v);
    case ParameterType.BOOLEAN:
      return typeof v === 'boolean';
    case ParameterType.STRING_LIST:
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
  }
}

/** A parameter value as JSON. */
export function jsonOf(v: Value): JsonValue {
  return toJson(ValueSchema, v);
}

function zero(t: ParameterType): JsonValue {
  if (t === ParameterType.INTEGER || t === ParameterType.NUMBER) return 0;
  if (t === ParameterType.BOOLEAN) return false;
  if (t === ParameterType.STRING_LIST) return [];
  return '';
}

/** The values a template is expanded with, by parameter name, and the names of sensitive ones. */
export type ResolvedParameters = { readonly values: Map<string, JsonValue>; readonly sensitive: Set<string> };

/**
 * Resolves `given` against `declared`: every given name must be declared and
 * typed right, required ones must be given, the rest take their default (or
 * the type's zero value). Violations name `template.parameters["<name>"]`.
 */
export function resolveParameters(
  declared: readonly TemplateParameter[],
  given: Readonly<Record<string, Value>>,
  violations: FieldViolation[],
): ResolvedParameters {
  const values = new Map<string, JsonValue>();
  const sensitive = new Set<string>();
  const byName = new Map(declared.map((p) => [p.name, p]));
  for (const name of Object.keys(given)) {
    if (!byName.has(name))
      violations.push({
        field: `template.parameters[${JSON.stringify(name)}]`,
        description: 'is not a parameter of the template',
      });
  }
  for (const p of declared) {
    const field = `template.parameters[${JSON.stringify(p.name)}]`;
    if (p.sensitive) sensitive.add(p.name);
    const v = given[p.name];
    if (v !== undefined) {
      const json = jsonOf(v);
      if (!matchesType(json, p.type))
        violations.push({ field, description: `must be a ${typeName(p.type)}, got ${JSON.stringify(json)}` });
      values.set(p.name, json);
    } else if (p.required) {
      violations.push({ field, description: `is required (${typeName(p.type)})` });
    } else {
      values.set(p.name, p.defaultValue ? jsonOf(p.defaultValue) : zero(p.type));
    }
  }
  return { values, sensitive };
}

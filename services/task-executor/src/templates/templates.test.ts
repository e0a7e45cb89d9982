import { create, fromJson, toJson, type JsonValue } from '@bufbuild/protobuf';
import { ValueSchema } from '@bufbuild/protobuf/wkt';
import { describe, expect, it } from 'vitest';
import { ActionSchema, TemplateRefSchema, TemplateSchema } from '@nightglow/contracts/executor/v1';
import { ExecutorError } from '../errors.js';
import { expandTemplate } from './expand-template.js';
import { references, substitute } from './substitute.js';
import { validateTemplate } from './validate-template.js';

const template = (json: JsonValue) => fromJson(TemplateSchema, json);
const login = template({
  name: 'login-form',
  parameters: [
    { name: 'base', required: true },
    { name: 'user', defaultValue: 'demo' },
    { name: 'password', required: true, sensitive: true },
    { name: 'seats', type: 'PARAMETER_TYPE_INTEGER', defaultValue: 2 },
    { name: 'colors', type: 'PARAMETER_TYPE_STRING_LIST', defaultValue: ['red'] },
    { name: 'strict', type: 'PARAMETER_TYPE_BOOLEAN', defaultValue: false },
  ],
  actions: [
    { navigate: { url: '${base}/login' } },
    { type: { selector: '#username', text: '${user}' } },
    { type: { selector: '#password', text: '${password}' } },
    { select: { selector: '#colors', values: ['${colors}', 'blue'] } },
    { assert: { textContains: { selector: 'h1', text: 'Hi ${user} ($${literal}) ${seats} ${strict}' } } },
  ],
});
const ref = (params: Record<string, JsonValue>) =>
  create(TemplateRefSchema, {
    name: 'login-form',
    parameters: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, fromJson(ValueSchema, v)])),
  });
const fieldsOf = (f: () => unknown): string[] => {
  try {
    f();
    return [];
  } catch (e) {
    if (!(e instanceof ExecutorError)) throw e;
    return e.violations.map((v) => `${v.field}: ${v.description}`);
  }
};

describe('substitution', () => {
  it('replaces references, keeps escapes, types whole references and expands lists', () => {
    const values = new Map<string, JsonValue>([
      ['a', 'x'],
      ['n', 3],
      ['l', ['p', 'q']],
    ]);
    expect(substitute({ s: '${a}-${n} $${a}', n: '${n}', v: ['${l}', 'z'] }, values)).toEqual({
      s: 'x-3 ${a}',
      n: '3',
      v: ['p', 'q', 'z'],
    });
    expect([...references({ s: '${a} $${b} ${c}' })]).toEqual(['a', 'c']);
  });
});

describe('templates', () => {
  it('registers a valid template', () => {
    expect(() => validateTemplate(login)).not.toThrow();
  });

  it('refuses bad names, unknown references, mistyped defaults and required defaults', () => {
    const bad = template({
      name: 'Bad_Name',
      parameters: [
        { name: 'n', type: 'PARAMETER_TYPE_INTEGER', defaultValue: 'x' },
        { name: 'r', required: true, defaultValue: 'y' },
        { name: '1x' },
      ],
      actions: [{ navigate: { url: '${nope}' } }, { click: { selector: '' } }],
    });
    expect(fieldsOf(() => validateTemplate(bad))).toEqual([
      'template.name: must be a DNS-1123 subdomain, e.g. login-form',
      'template.parameters[0].default_value: must be a integer',
      'template.parameters[1].default_value: a required parameter takes no default',
      'template.parameters[2].name: must match [A-Za-z_][A-Za-z0-9_]*',
      'template.actions[0]: references unknown parameter ${nope}',
      'template.actions[1].click.selector: must be a non-empty selector',
    ]);
  });

  it('expands with defaults and masks sensitive values in the redacted copy', () => {
    const x = expandTemplate(
      login,
      ref({ base: 'http://h', password: 's3cret', colors: ['green', 'red'], strict: true }),
    );
    const real = x.actions.map((a) => toJson(ActionSchema, a));
    expect(real[0]).toEqual({ navigate: { url: 'http://h/login' } });
    expect(real[1]).toEqual({ type: { selector: '#username', text: 'demo' } });
    expect(real[2]).toEqual({ type: { selector: '#password', text: 's3cret' } });
    expect(real[3]).toEqual({ select: { selector: '#colors', values: ['green', 'red', 'blue'] } });
    expect(real[4]).toEqual({ assert: { textContains: { selector: 'h1', text: 'Hi demo (${literal}) 2 true' } } });
    expect(toJson(ActionSchema, x.redacted[2]!)).toEqual({ type: { selector: '#password', text: '***' } });
  });

  it('refuses missing, unknown and mistyped parameters at submit with field details', () => {
    expect(fieldsOf(() => expandTemplate(login, ref({ seats: 2.5, extra: 1, strict: 'yes' })))).toEqual([
      'template.parameters["extra"]: is not a parameter of the template',
      'template.parameters["base"]: is required (string)',
      'template.parameters["password"]: is required (string)',
      'template.parameters["seats"]: must be a integer, got 2.5',
      'template.parameters["strict"]: must be a boolean, got "yes"',
    ]);
  });
});

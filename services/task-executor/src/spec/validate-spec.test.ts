import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { TaskSpecSchema } from '@nightglow/contracts/executor/v1';
import { ExecutorError } from '../errors.js';
import { validateTask } from './validate-spec.js';

const spec = (json: JsonValue) => fromJson(TaskSpecSchema, json);
function violations(json: JsonValue, allowEvaluate = false): { field: string; description: string }[] {
  const s = spec(json);
  try {
    validateTask(s, { actions: s.actions, allowEvaluate });
    return [];
  } catch (e) {
    if (!(e instanceof ExecutorError)) throw e;
    if (e.code !== 'INVALID_ARGUMENT') throw e;
    return [...e.violations];
  }
}

describe('validateTask', () => {
  it('accepts a valid spec', () => {
    expect(
      violations({ actions: [{ navigate: { url: 'http://127.0.0.1/x' } }, { click: { selector: '#a' } }] }),
    ).toEqual([]);
  });

  it('names the field of an empty selector, a bad URL and a missing action kind', () => {
    const v = violations({
      actions: [
        { navigate: { url: 'ftp://x' } },
        { name: 'n' },
        { hover: { selector: 'a' } },
        { click: { selector: ' ' } },
        { waitFor: { selector: '' } },
      ],
    });
    expect(v.map((x) => x.field)).toEqual([
      'actions[0].navigate.url',
      'actions[1]',
      'actions[3].click.selector',
      'actions[4].wait_for.selector',
    ]);
    expect(v[1]?.description).toContain('unknown or missing action');
  });

  it('checks timeouts, retries, labels, session, duplicates and output names', () => {
    const v = violations({
      timeout: '7200s',
      labels: { 'bad key!': 'x' },
      ephemeralSession: { pool: 'Not_A_Label' },
      actions: [
        { name: 'a', extract: { selector: 'p', output: 'o' }, retry: { maxAttempts: 11, backoffMultiplier: 0.5 } },
        { name: 'a', extract: { selector: 'p', output: 'o' }, timeout: '0s' },
        { assert: { urlMatches: '(' } },
        { setViewport: { width: 0, height: 20000 } },
        { setCookies: { cookies: [{ name: '', value: 'v' }] } },
        { extract: { selector: 'p', source: 'EXTRACT_SOURCE_ATTRIBUTE' } },
      ],
    }).map((x) => x.field);
    expect(v).toEqual(
      expect.arrayContaining([
        'timeout',
        'labels["bad key!"]',
        'ephemeral_session.pool',
        'actions[0].retry.max_attempts',
        'actions[0].retry.backoff_multiplier',
        'actions[1].timeout',
        'actions[1].name',
        'actions[1].extract.output',
        'actions[2].assert.url_matches',
        'actions[3].set_viewport.width',
        'actions[3].set_viewport.height',
        'actions[4].set_cookies.cookies[0].name',
        'actions[4].set_cookies.cookies[0]',
        'actions[5].extract.attribute',
      ]),
    );
  });

  it('needs exactly one of actions and template', () => {
    expect(violations({}).map((x) => x.field)).toEqual(['actions']);
    expect(
      violations({ template: { name: 't' }, actions: [{ click: { selector: 'a' } }] }).map((x) => x.field),
    ).toEqual(['template']);
  });

  it('refuses evaluate with PERMISSION_DENIED unless allowed', () => {
    const s = spec({ actions: [{ evaluate: { expression: '1+1' } }] });
    expect(() => validateTask(s, { actions: s.actions, allowEvaluate: false })).toThrow(
      expect.objectContaining({ code: 'PERMISSION_DENIED' }),
    );
    expect(() => validateTask(s, { actions: s.actions, allowEvaluate: true })).not.toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import { WaitUntil } from '@nightglow/contracts/common/v1';
import { ElementState } from '@nightglow/contracts/executor/v1';
import { toMs } from '../spec/durations.js';
import { parseTaskFile, TaskFileError } from './load-task-file.js';

const problems = (text: string): string[] => {
  try {
    parseTaskFile(text, 'task.yaml');
    return [];
  } catch (e) {
    if (!(e instanceof TaskFileError)) throw e;
    return e.problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.field}: ${p.message}`);
  }
};

describe('task files', () => {
  it('loads the CRD spec shape with short enums and friendly durations', () => {
    const spec = parseTaskFile(
      [
        'ephemeralSession: { pool: default }',
        'timeout: 2m',
        'actions:',
        '  - navigate: { url: "http://127.0.0.1:8088/news", waitUntil: networkidle2 }',
        '  - waitFor: { selector: ".x", state: hidden }',
        '    timeout: 1500ms',
      ].join('\n'),
    );
    expect(toMs(spec.timeout)).toBe(120_000);
    const [nav, wait] = spec.actions;
    expect(nav?.kind.case === 'navigate' && nav.kind.value.waitUntil).toBe(WaitUntil.NETWORKIDLE2);
    expect(wait?.kind.case === 'waitFor' && wait.kind.value.state).toBe(ElementState.HIDDEN);
    expect(toMs(wait?.timeout)).toBe(1500);
  });

  it('names file, line and field of an unknown action, a bad enum and an empty selector', () => {
    const text = [
      'actions:',
      '  - navigate: { url: "http://x.test/" }',
      '  - clik: { selector: "#a" }',
      '  - navigate: { url: "http://x.test/", waitUntil: loud }',
      '  - click:',
      '      selector: ""',
    ].join('\n');
    expect(problems(text)).toEqual([
      'task.yaml:3:5: actions[1].clik: unknown action or field "clik" (did you mean click?)',
      'task.yaml:4:40: actions[2].navigate.waitUntil: unknown value "loud"; one of none, domcontentloaded, load, networkidle0, networkidle2',
    ]);
    expect(
      problems(['actions:', '  - click:', '      selector: ""', '  - navigate: { url: "nope" }'].join('\n')),
    ).toEqual([
      'task.yaml:3:7: actions[0].click.selector: must be a non-empty selector',
      'task.yaml:4:17: actions[1].navigate.url: "nope" is not an absolute http(s) URL',
    ]);
  });

  it('reports YAML syntax errors and bad durations with their line', () => {
    expect(problems('actions: [\n')[0]).toMatch(/^task\.yaml:2:1: : /);
    expect(problems('timeout: soon\nactions: []')).toEqual([
      'task.yaml:1:1: timeout: "soon" is not a duration (e.g. 500ms, 30s, 2m, 1h)',
    ]);
  });
});

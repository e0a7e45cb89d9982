import { toJson } from '@bufbuild/protobuf';
import { ValueSchema } from '@bufbuild/protobuf/wkt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionState } from '@nightglow/contracts/broker/v1';
import { ActionState, TaskState, type Task } from '@nightglow/contracts/executor/v1';
import { ACTION_TYPE_NAMES } from './spec/action-kinds.js';
import { startHarness, type Harness } from './testing/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ sessions: 'broker', env: { ALLOW_EVALUATE: 'true' } });
});
afterAll(async () => {
  await h.stop();
});

const out = (t: Task, name: string): unknown => {
  const v = t.outputs[name];
  return v === undefined ? undefined : toJson(ValueSchema, v);
};

const S = 'http://127.0.0.1:8088';
const playground = [
  { setViewport: { width: 1000, height: 700 } },
  { setCookies: { cookies: [{ name: 'flavor', value: 'oat', url: `${S}/` }] } },
  { navigate: { url: `${S}/playground`, waitUntil: 'WAIT_UNTIL_LOAD' } },
  { extract: { selector: '#cookie-state', output: 'cookies' } },
  { click: { selector: '#counter' } },
  { extract: { selector: '#counter', attribute: 'data-count', output: 'count' } },
  { click: { selector: '#dbl', clickCount: 2 } },
  { extract: { selector: '#dbl', output: 'dbl' } },
  { hover: { selector: '#hover-target' } },
  { assert: { textContains: { selector: '#hover-state', text: 'HOVERED', ignoreCase: true } } },
  { type: { selector: '#text-input', text: 'hello', delay: '0.010s' } },
  { extract: { selector: '#text-input', source: 'EXTRACT_SOURCE_VALUE', output: 'typed' } },
  { press: { selector: '#text-input', key: 'Enter' } },
  { assert: { textContains: { selector: '#key-state', text: 'enter pressed' } } },
  { type: { selector: '#text-input', text: 'bye', clear: true } },
  { extract: { selector: '#text-input', source: 'EXTRACT_SOURCE_VALUE', output: 'retyped' } },
  { select: { selector: '#colors', values: ['red', 'blue'] } },
  {
    name: 'chosen',
    evaluate: { expression: "[...document.querySelector('#colors').selectedOptions].map(o => o.value)" },
  },
  { waitFor: { selector: '#late' } },
  { click: { selector: '#late' } },
  { extract: { selector: '#late', output: 'late' } },
  { click: { selector: '#vanish' } },
  { waitFor: { selector: '#vanish', state: 'ELEMENT_STATE_HIDDEN' } },
  { waitFor: { selector: '#bottom', state: 'ELEMENT_STATE_ATTACHED' } },
  { waitFor: { duration: '0.100s' } },
  { scroll: { toBottom: true } },
  { name: 'at-bottom', evaluate: { expression: 'window.scrollY > 1000' } },
  { scroll: { deltaY: -400 } },
  { scroll: { selector: '#counter' } },
  { screenshot: { format: 'IMAGE_FORMAT_JPEG', quality: 50, artifactName: 'viewport.jpg' } },
  { screenshot: { selector: '#hover-target' } },
  { screenshot: { fullPage: true, artifactName: 'full.png' } },
  { extract: { selector: '#hover-state', source: 'EXTRACT_SOURCE_HTML', output: 'html' } },
  { extract: { selector: '#colors', source: 'EXTRACT_SOURCE_INNER_HTML', output: 'innerHtml' } },
  { extract: { selector: '#colors option', source: 'EXTRACT_SOURCE_INNER_TEXT', all: true, output: 'options' } },
  { extract: { selector: '#nothing', allowMissing: true, output: 'missing' } },
  { assert: { selectorExists: '#bottom' } },
  { assert: { urlMatches: '/playground$' } },
  { assert: { titleEquals: 'Playground - Nightglow Demo' } },
  { assert: { titleContains: 'Playground' } },
  // The page's timer starts before `navigate` returns: 3 s (well inside the 10 s action timeout) makes
  // sure the next action is already waiting for the navigation when it happens, even on a loaded machine.
  { navigate: { url: `${S}/redirect-later?ms=3000&to=/news` } },
  { waitFor: { navigation: 'WAIT_UNTIL_LOAD' } },
  { assert: { titleContains: 'News' } },
  { navigate: { url: `${S}/slow?ms=200`, waitUntil: 'WAIT_UNTIL_NETWORKIDLE0' } },
  { waitFor: { networkIdle: { idleTime: '0.200s' } } },
  { fillForm: { fields: {} } },
];

describe('every action type in real Chromium, through a real session broker', () => {
  it('runs a task using every action type and variant', async () => {
    const actions = playground.slice(0, -1);
    const { task } = await h.run(h.spec({ actions, actionTimeout: '10s' }));
    const failed = task.actionResults
      .filter((r) => r.state !== ActionState.SUCCEEDED)
      .map((r) => `${r.name}: ${r.error?.message}`);
    expect(failed).toEqual([]);
    expect(task.state).toBe(TaskState.SUCCEEDED);
    const used = new Set(task.actionResults.map((r) => r.actionType));
    expect(ACTION_TYPE_NAMES.filter((t) => !used.has(t) && t !== 'fill_form')).toEqual([]);
    expect(out(task, 'cookies')).toBe('flavor=oat');
    expect(out(task, 'count')).toBe('1');
    expect(out(task, 'dbl')).toBe('double clicked');
    expect(out(task, 'typed')).toBe('hello');
    expect(out(task, 'retyped')).toBe('bye');
    expect(out(task, 'chosen')).toEqual(['red', 'blue']);
    expect(out(task, 'late')).toBe('late clicked');
    expect(out(task, 'at-bottom')).toBe(true);
    expect(out(task, 'html')).toBe('<p id="hover-state">hovered</p>');
    expect(out(task, 'innerHtml')).toContain('<option value="green">Green</option>');
    expect(out(task, 'options')).toEqual(['Red', 'Green', 'Blue']);
    expect(out(task, 'missing')).toBeNull();
    const names = Object.fromEntries(task.artifacts.map((a) => [a.name, a.contentType]));
    expect(names).toMatchObject({ 'viewport.jpg': 'image/jpeg', 'full.png': 'image/png' });
    expect(Object.keys(names).filter((n) => /^\d+-screenshot\.png$/.test(n))).toHaveLength(1);
    expect(task.actionResults.every((r) => r.duration !== undefined && r.attempts === 1)).toBe(true);
    expect(task.actionResults[2]?.page?.title).toBe('Playground - Nightglow Demo');
    // It ran in an ephemeral broker session labelled with the task, deleted before the task ended.
    const session = (await h.broker().getSession({ sessionId: task.sessionId })).session;
    expect(session?.labels['nightglow.io/task-id']).toBe(task.id);
    expect([SessionState.CLOSING, SessionState.CLOSED]).toContain(session?.state);
    expect(await h.liveSessions()).toEqual([]);
  });

  it('fill_form sets text, select, checkbox and radio fields and submits', async () => {
    const { task } = await h.run(
      h.spec({
        actions: [
          { navigate: { url: `${S}/form` } },
          {
            fillForm: {
              fields: {
                '#name': 'Grace',
                '#email': 'g@example.com',
                '#plan': 'enterprise',
                '#agree': 'true',
                '#contact-email': 'true',
              },
              submit: '#submit',
            },
          },
          { extract: { selector: '#confirmation', output: 'text' } },
        ],
      }),
    );
    expect(task.state, task.error?.message).toBe(TaskState.SUCCEEDED);
    expect(out(task, 'text')).toContain('Thanks, Grace! Your enterprise plan request');
  });

  it('human-like input reports a curved mouse path and typing cadence', async () => {
    const { task, events } = await h.run(
      h.spec({
        humanInput: { enabled: true, typingDelayMean: '0.030s', typingDelayStddev: '0.010s' },
        actions: [
          { navigate: { url: `${S}/playground` } },
          { hover: { selector: '#hover-target' } },
          { type: { selector: '#text-input', text: 'cadence' } },
        ],
      }),
    );
    expect(task.state, task.error?.message).toBe(TaskState.SUCCEEDED);
    const hover = task.actionResults[1]?.behavior;
    expect(hover?.mouseMoveCount).toBeGreaterThanOrEqual(8);
    expect(hover?.mousePathLengthPx).toBeGreaterThan(0);
    const typed = task.actionResults[2]?.behavior;
    expect(typed?.keystrokeCount).toBe(7);
    expect(typed?.typingIntervalMeanMs).toBeGreaterThan(15);
    expect(typed?.typingIntervalStddevMs).toBeGreaterThan(0);
    const ev = events.find(
      (e) =>
        e.event.case === 'actionEvent' &&
        e.event.value.result?.index === 2 &&
        e.event.value.result.state === ActionState.SUCCEEDED,
    );
    expect(ev?.event.case === 'actionEvent' && ev.event.value.result?.behavior?.keystrokeCount).toBe(7);
  });
});

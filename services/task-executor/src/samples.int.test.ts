import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { toJson, toJsonString } from '@bufbuild/protobuf';
import { SessionState } from '@nightglow/contracts/broker/v1';
import { EnvelopeSchema } from '@nightglow/contracts/events/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ActionState,
  TaskSchema,
  TaskSpecSchema,
  TaskState,
  WatchTaskResponseSchema,
} from '@nightglow/contracts/executor/v1';
import { ValueSchema } from '@bufbuild/protobuf/wkt';
import { NEWS_TITLES } from './fixture-site/pages.js';
import { DEMO_SITE_DEFAULT_URL, DEMO_USER } from './fixture-site/fixture-site.js';
import { parseTaskFile } from './task-file/load-task-file.js';
import { startHarness, type Harness } from './testing/harness.js';

const samples = fileURLToPath(new URL('../samples/', import.meta.url));
let h: Harness;

async function sample(name: string): Promise<ReturnType<Harness['spec']>> {
  const text = await readFile(`${samples}${name}`, 'utf8');
  const spec = parseTaskFile(text.replaceAll(DEMO_SITE_DEFAULT_URL, h.site.url), name);
  return h.spec(toJson(TaskSpecSchema, spec));
}

beforeAll(async () => {
  h = await startHarness({ sessions: 'broker' });
});
afterAll(async () => {
  await h.stop();
});

describe('samples against the fixture site in real Chromium, through a real session broker', () => {
  it('news-titles: extracts every title and screenshots the page', async () => {
    const { task } = await h.run(await sample('news-titles.yaml'));
    expect(task.state, JSON.stringify(task.error)).toBe(TaskState.SUCCEEDED);
    expect(toJson(ValueSchema, task.outputs['titles']!)).toEqual(NEWS_TITLES);
    expect(toJson(ValueSchema, task.outputs['topLink']!)).toBe('/news/1');
    const shot = task.artifacts.find((a) => a.name === 'news.png');
    expect(shot?.contentType).toBe('image/png');
    expect(Number(shot?.sizeBytes)).toBeGreaterThan(1000);
    expect(shot?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await h.liveSessions()).toEqual([]);
    const session = (await h.broker().getSession({ sessionId: task.sessionId })).session;
    expect(session?.labels['nightglow.io/task-id']).toBe(task.id);
    expect([SessionState.CLOSING, SessionState.CLOSED]).toContain(session?.state);
  });

  it('login: logs in through the form and sees the dashboard; the password never leaves', async () => {
    const { task, events } = await h.run(await sample('login.yaml'));
    expect(task.state, JSON.stringify(task.error)).toBe(TaskState.SUCCEEDED);
    expect(toJson(ValueSchema, task.outputs['account']!)).toBe('Signed in as demo.');
    expect(task.actionResults.every((r) => r.state === ActionState.SUCCEEDED)).toBe(true);
    expect(task.actionResults[6]?.page?.title).toBe('Dashboard - Nightglow Demo');
    const watched = events.map((e) => toJsonString(WatchTaskResponseSchema, e)).join('\n');
    const published = h.envelopes.map((e) => toJsonString(EnvelopeSchema, e)).join('\n');
    expect(published).toContain('task.succeeded');
    expect(watched + published + toJsonString(TaskSchema, task)).not.toContain(DEMO_USER.password);
    expect(task.actions[2]?.kind.case === 'type' && task.actions[2].kind.value.text).toBe('***');
  });

  it('request-form, in an existing broker session: fills every field with human-like input, asserts the confirmation', async () => {
    const created = await h.broker().createSession({ labels: { owner: 'samples-test' } });
    const sessionId = created.session?.id ?? '';
    const spec = await sample('request-form.yaml');
    spec.session = { case: 'sessionId', value: sessionId };
    const { task } = await h.run(spec);
    expect([task.sessionId, task.ephemeralSession]).toEqual([sessionId, false]);
    expect((await h.broker().getSession({ sessionId })).session?.state).toBe(SessionState.READY);
    await h.broker().deleteSession({ sessionId });
    expect(task.state, JSON.stringify(task.error)).toBe(TaskState.SUCCEEDED);
    const text = toJson(ValueSchema, task.outputs['confirmation']!) as string;
    expect(text).toContain('Thanks, Ada Lovelace! Your team plan request for 5 seat(s)');
    expect(text).toContain('by phone at ada@example.com');
    const fill = task.actionResults[1]?.behavior;
    expect(fill?.mousePathLengthPx).toBeGreaterThan(50);
    expect(fill?.keystrokeCount).toBeGreaterThan(20);
    expect(fill?.typingIntervalMeanMs).toBeGreaterThan(5);
    expect(task.artifacts.map((a) => a.name)).toContain('confirmation.png');
  });
});

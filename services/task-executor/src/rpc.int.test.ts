import { create, fromJson, type JsonValue } from '@bufbuild/protobuf';
import { ValueSchema } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRequestSchema, ResourceInfoSchema } from '@nightglow/contracts/google/rpc';
import { TaskState, TemplateSchema, TaskSpecSchema } from '@nightglow/contracts/executor/v1';
import { startHarness, type Harness } from './testing/harness.js';

const S = 'http://127.0.0.1:8088';
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ sessions: 'broker' });
});
afterAll(async () => {
  await h.stop();
});

async function refusal(p: Promise<unknown>): Promise<{ code: Code; fields: string[]; resource?: string }> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => ConnectError.from(x),
  );
  if (!e) throw new Error('the call was not refused');
  const fields = e.findDetails(BadRequestSchema).flatMap((d) => d.fieldViolations.map((v) => v.field));
  const info = e.findDetails(ResourceInfoSchema)[0];
  return { code: e.code, fields, ...(info ? { resource: `${info.resourceType}/${info.resourceName}` } : {}) };
}
const submit = (json: JsonValue) => h.client.submitTask({ spec: fromJson(TaskSpecSchema, json) });

describe('bad input is refused with field details', () => {
  it('unknown action, empty selector, bad URL → INVALID_ARGUMENT naming each field', async () => {
    const r = await refusal(
      submit({
        actions: [
          { navigate: { url: 'not a url' } },
          { name: 'mystery' },
          { hover: { selector: 'a' } },
          { click: { selector: '' } },
        ],
      }),
    );
    expect(r.code).toBe(Code.InvalidArgument);
    expect(r.fields).toEqual(['actions[0].navigate.url', 'actions[1]', 'actions[3].click.selector']);
  });

  it('an unknown action key in Connect JSON is refused INVALID_ARGUMENT naming the action', async () => {
    const res = await fetch(`http://127.0.0.1:${h.httpPort}/nightglow.executor.v1.TaskExecutor/SubmitTask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ spec: { actions: [{ clik: { selector: '#a' } }] } }),
    });
    const body = (await res.json()) as { code: string; message: string };
    expect(body.code).toBe('invalid_argument');
    // connect-node's JSON codec drops unknown keys, so the action arrives without a kind and is named by index.
    expect(body.message).toContain('actions[0]: unknown or missing action');
  });

  it('unknown session or template → NOT_FOUND naming it; evaluate → PERMISSION_DENIED', async () => {
    expect(await refusal(submit({ sessionId: 'no-such-session', actions: [{ click: { selector: 'a' } }] }))).toEqual({
      code: Code.NotFound,
      fields: [],
      resource: 'session/no-such-session',
    });
    expect(await refusal(submit({ template: { name: 'no-such-template' } }))).toMatchObject({
      code: Code.NotFound,
      resource: 'template/no-such-template',
    });
    expect((await refusal(submit({ actions: [{ evaluate: { expression: '1' } }] }))).code).toBe(Code.PermissionDenied);
    expect((await refusal(h.client.getTask({ taskId: 'nope' }))).resource).toBe('task/nope');
    expect((await refusal(h.client.getTask({ taskId: '' }))).fields).toEqual(['task_id']);
    const watch = async (): Promise<void> => {
      for await (const _ of h.client.watchTask({ taskId: 'nope' })) break;
    };
    expect((await refusal(watch())).code).toBe(Code.NotFound);
  });
});

describe('templates', () => {
  const tpl = fromJson(TemplateSchema, {
    name: 'login-form',
    description: 'log in to the demo site',
    labels: { app: 'demo' },
    parameters: [
      { name: 'base', required: true },
      { name: 'user', defaultValue: 'demo' },
      { name: 'password', required: true, sensitive: true },
    ],
    actions: [
      { navigate: { url: '${base}/login' } },
      { type: { selector: '#username', text: '${user}' } },
      { type: { selector: '#password', text: '${password}' } },
      { click: { selector: '#login', waitUntil: 'WAIT_UNTIL_LOAD' } },
      { assert: { textContains: { selector: '#welcome', text: 'Welcome, ${user}' } } },
    ],
  });

  it('registers, replaces with a revision bump, gets, lists and deletes', async () => {
    const a = await h.client.registerTemplate({ template: tpl });
    expect([a.created, a.template?.revision]).toEqual([true, 1n]);
    const b = await h.client.registerTemplate({ template: tpl });
    expect([b.created, b.template?.revision]).toEqual([false, 2n]);
    expect((await h.client.getTemplate({ name: 'login-form' })).template?.description).toBe('log in to the demo site');
    await h.client.registerTemplate({
      template: create(TemplateSchema, { ...tpl, name: 'other', labels: { app: 'x' } }),
    });
    expect((await h.client.listTemplates({ labelSelector: 'app=demo' })).templates.map((t) => t.name)).toEqual([
      'login-form',
    ]);
    expect((await h.client.listTemplates({})).templates.map((t) => t.name)).toEqual(['login-form', 'other']);
    await h.client.deleteTemplate({ name: 'other' });
    expect((await refusal(h.client.deleteTemplate({ name: 'other' }))).code).toBe(Code.NotFound);
  });

  it('refuses a bad template and a missing or mistyped parameter at submit with field details', async () => {
    const bad = create(TemplateSchema, {
      ...tpl,
      name: 'Bad Name',
      actions: [
        ...tpl.actions,
        fromJson(TemplateSchema, { actions: [{ click: { selector: '${nope}' } }] }).actions[0]!,
      ],
    });
    expect(await refusal(h.client.registerTemplate({ template: bad }))).toMatchObject({
      code: Code.InvalidArgument,
      fields: ['template.name', 'template.actions[5]'],
    });
    await h.client.registerTemplate({ template: tpl });
    const r = await refusal(submit({ template: { name: 'login-form', parameters: { user: 7, extra: 'x' } } }));
    expect(r.code).toBe(Code.InvalidArgument);
    expect(r.fields).toEqual([
      'template.parameters["extra"]',
      'template.parameters["base"]',
      'template.parameters["user"]',
      'template.parameters["password"]',
    ]);
  });

  it('runs an expanded template and never echoes the sensitive parameter', async () => {
    await h.client.registerTemplate({ template: tpl });
    const spec = fromJson(TaskSpecSchema, {
      template: { name: 'login-form', parameters: { base: S, password: 'glowworm-7' } },
    });
    const rebased = h.spec({ template: { name: 'login-form', parameters: { base: S, password: 'glowworm-7' } } });
    expect(spec.template?.name).toBe('login-form');
    const { task } = await h.run(rebased);
    expect(task.state, task.error?.message).toBe(TaskState.SUCCEEDED);
    expect(task.templateName).toBe('login-form');
    expect(task.templateRevision).toBeGreaterThan(0n);
    expect(task.actions[2]?.kind.case === 'type' && task.actions[2].kind.value.text).toBe('***');
    expect(task.spec?.template?.parameters['password']).toEqual(
      create(ValueSchema, { kind: { case: 'stringValue', value: '***' } }),
    );
    const listed = await h.client.listTasks({ states: [TaskState.SUCCEEDED], pageSize: 1 });
    expect(listed.tasks).toHaveLength(1);
  });

  it('an idempotency key never runs twice', async () => {
    const spec = h.spec({ idempotencyKey: 'op-uid-1', actions: [{ navigate: { url: `${S}/news` } }] });
    const a = await h.client.submitTask({ spec });
    const b = await h.client.submitTask({ spec });
    expect(b.deduplicated).toBe(true);
    expect(b.task?.id).toBe(a.task?.id);
    const { task } = await h.follow(a.task?.id ?? '');
    expect(task.state).toBe(TaskState.SUCCEEDED);
    const c = await h.client.submitTask({ spec });
    expect(c.task?.id).toBe(a.task?.id);
    expect(h.envelopes.filter((e) => e.type === 'task.started' && e.taskId === a.task?.id)).toHaveLength(1);
    const listed = await h.client.listTasks({});
    expect(listed.tasks.filter((t) => t.spec?.idempotencyKey === 'op-uid-1')).toHaveLength(1);
  });
});

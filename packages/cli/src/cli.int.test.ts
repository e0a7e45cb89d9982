/**
 * The CLI against real services in this process (broker with local Chromium,
 * executor, record store on PGlite, one in-process bus) and the demo site.
 * Most commands run in-process through `runCli`; `task run` and the
 * unreachable endpoint run the built `dist/bin.js` as a real process.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertState } from '@nightglow/contracts/instrumentation/v1';
import { Severity } from '@nightglow/contracts/common/v1';
import { EnvelopeSchema } from '@nightglow/contracts/events/v1';
import { NEWS_TITLES } from '@nightglow/task-executor';
import { TaskState } from '@nightglow/contracts/executor/v1';
import { startPlatform, type Platform } from './test/platform.js';

const samples = fileURLToPath(new URL('../../../services/task-executor/samples/', import.meta.url));
let p: Platform;

async function waitFor(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const json = <T = Record<string, unknown>>(text: string): T => JSON.parse(text) as T;
const chromiumsUnder = (dir: string): string[] => {
  try {
    return execFileSync('pgrep', ['-f', dir], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

beforeAll(async () => {
  p = await startPlatform();
});
afterAll(async () => {
  const browsers = p?.browserDir;
  await p?.stop();
  if (browsers) {
    for (let i = 0; i < 100 && chromiumsUnder(browsers).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(chromiumsUnder(browsers), 'Chromium left after the broker stopped').toEqual([]);
  }
});

describe('nightglow CLI against real services', () => {
  it('a bad task file prints file:line:column: field, exits 2 and submits nothing', async () => {
    const file = join(p.dir, 'bad.yaml');
    writeFileSync(
      file,
      ['actions:', '  - navigate: { url: "http://127.0.0.1:8088/news" }', '  - clik: { selector: "#a" }', ''].join(
        '\n',
      ),
    );
    const r = await p.cli('task', 'run', 'bad.yaml');
    expect(r.code).toBe(2);
    expect(r.err).toContain('bad.yaml:3:5: actions[1].clik: unknown action or field "clik" (did you mean click?)');
    writeFileSync(file, ['actions:', '  - waitFor: { duration: 5 }', '  - navigate: { url: ["x"] }', ''].join('\n'));
    const typed = await p.cli('task', 'run', 'bad.yaml');
    expect(typed.code).toBe(2);
    expect(typed.err).toMatch(
      /^nightglow: task file bad\.yaml has \d+ problems?; nothing was submitted\nbad\.yaml:2:\d+: actions\[0\]\.waitFor\.duration: /,
    );
    const valid = await p.cli('task', 'run', join(samples, 'news-titles.yaml'), '--validate');
    expect([valid.code, valid.out]).toEqual([
      0,
      `task file ${join(samples, 'news-titles.yaml')} is valid (6 actions)\n`,
    ]);
    expect((await p.executor.listTasks({})).tasks).toEqual([]);
  });

  it('session create, get, list, watch and delete', async () => {
    const created = await p.cli(
      'session',
      'create',
      '--label',
      'suite=cli',
      '--viewport',
      '800x600',
      '--ttl',
      '5m',
      '-o',
      'json',
    );
    expect(created.code, created.err).toBe(0);
    const res = json<{ session: { id: string; state: string; cdpEndpoint: string; ttl: string }; token: string }>(
      created.out,
    );
    const id = res.session.id;
    expect(res.session.state).toBe('SESSION_STATE_READY');
    expect(res.session.ttl).toBe('300s');
    expect(res.token).not.toBe('');

    const table = await p.cli(
      'session',
      'create',
      '--no-wait',
      '--start-url',
      `${p.site.url}/news`,
      '--request-id',
      'r1',
    );
    expect(table.code, table.err).toBe(0);
    expect(table.out).toMatch(/^cdp: +ws:\/\/127\.0\.0\.1:\d+\/cdp\/\S+\?token=\S+$/m);
    const second = /^session: +(\S+)$/m.exec(table.out)?.[1] ?? '';

    const got = await p.cli('session', 'get', id);
    expect(got.out).toMatch(new RegExp(`^session: +${id}$`, 'm'));
    expect(got.out).toMatch(/^state: +READY$/m);
    expect(got.out).toMatch(/^labels: +suite=cli$/m);

    const listed = await p.cli('session', 'list', '-l', 'suite=cli');
    expect(listed.out.split('\n')[0]).toMatch(/^ID +POOL +STATE +ISOLATION +AGE +LABELS$/);
    expect(listed.out).toContain(id);
    expect(listed.out).not.toContain(second);
    const yaml = await p.cli('session', 'list', '-o', 'yaml', '--state', 'ready');
    expect(yaml.out).toContain(`id: ${id}`);

    const watched = await p.cli('session', 'watch', '--session', id, '--limit', '2', '-o', 'json');
    const events = watched.out
      .trim()
      .split('\n')
      .map((l) => json<{ type: string }>(l));
    expect(events.map((e) => e.type)).toEqual(['SESSION_EVENT_TYPE_SNAPSHOT', 'SESSION_EVENT_TYPE_SYNCED']);

    const deleted = await p.cli('session', 'delete', id, '--reason', 'done');
    expect([deleted.code, deleted.out]).toEqual([0, `session ${id} CLOSING\n`]);
    await p.cli('session', 'delete', second);
    const missing = await p.cli('session', 'get', '01a00000-0000-7000-8000-000000000000');
    expect(missing.code).toBe(4);
    expect(missing.err).toMatch(/^nightglow: the session broker at http:\/\/127\.0\.0\.1:\d+: not found: /);
  });

  it('screencast saves JPEG frames of a session', async () => {
    const created = json<{ session: { id: string } }>(
      (await p.cli('session', 'create', '--start-url', `${p.site.url}/news`, '-o', 'json')).out,
    );
    const id = created.session.id;
    const out = join(p.dir, 'frames');
    const r = await p.cli(
      'screencast',
      id,
      '--dir',
      'frames',
      '--frames',
      '1',
      '--max-fps',
      '10',
      '--quality',
      '50',
      '-o',
      'json',
    );
    expect(r.code, r.err).toBe(0);
    const res = json<{ dir: string; frames: { path: string; sequence: string; url: string }[] }>(r.out);
    expect(res.dir).toBe(out);
    expect(res.frames.map((f) => [f.sequence, f.url])).toEqual([['1', `${p.site.url}/news`]]);
    expect(readdirSync(out)).toEqual(['frame-000001.jpg']);
    const jpeg = readFileSync(join(out, 'frame-000001.jpg'));
    expect([jpeg[0], jpeg[1]]).toEqual([0xff, 0xd8]);
    const t0 = Date.now();
    const timed = await p.cli('screencast', id, '--dir', 'frames2', '--duration', '1500ms');
    expect(timed.code, timed.err).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    const n = readdirSync(join(p.dir, 'frames2')).length;
    expect(n).toBeGreaterThanOrEqual(1);
    expect(timed.out).toBe(`saved ${n} frame${n === 1 ? '' : 's'} to ${join(p.dir, 'frames2')}\n`);
    await p.cli('session', 'delete', id);
  });

  it(
    'task run (the real bin) runs the news sample against the demo site: outputs, artifact file, record id',
    { timeout: 240_000 },
    async () => {
      const r = await p.bin(['task', 'run', join(samples, 'news-titles.yaml'), '--site', p.site.url]);
      expect(r.code, r.err).toBe(0);
      expect(r.err).toBe('');
      const id = /^task (\S+) submitted \(6 actions\)$/m.exec(r.out)?.[1] ?? '';
      expect(id).not.toBe('');
      expect(r.out).toContain('[1/6] open (navigate) started');
      expect(r.out).toMatch(/^\[6\/6\] has-stories \(assert\) succeeded in \d/m);
      expect(r.out).toMatch(new RegExp(`^task ${id} SUCCEEDED in .* \\(6/6 actions\\)$`, 'm'));
      expect(r.out).toContain(`  titles: ${JSON.stringify(NEWS_TITLES)}`);
      const path = join(p.dir, 'nightglow-artifacts', id, 'news.png');
      expect(r.out).toMatch(
        new RegExp(`^  news\\.png: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(\\d+ bytes\\)$`, 'm'),
      );
      const png = readFileSync(path);
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      const recordId = /^record: (\S+)$/m.exec(r.out)?.[1] ?? '';
      expect(recordId).not.toBe('');
      expect(p.site.requests).toContain('GET /news');

      const rec = await p.cli('records', 'get', recordId, '-o', 'json');
      const record = json<{
        taskRecord: { id: string; taskId: string; state: string; outputs: Record<string, unknown> };
      }>(rec.out);
      expect(record.taskRecord).toMatchObject({ id: recordId, taskId: id, state: 'TASK_STATE_SUCCEEDED' });
      expect(record.taskRecord.outputs['titles']).toEqual(NEWS_TITLES);
      const human = await p.cli('records', 'get', '--task', id);
      expect(human.out).toMatch(new RegExp(`^record: +${recordId}$`, 'm'));
      expect(human.out).toMatch(/^3 +titles +extract +SUCCEEDED /m);
      const list = await p.cli('records', 'list', '-l', 'sample=news-titles');
      expect(list.out).toContain(recordId);

      const tail = await p.cli(
        'events',
        'tail',
        '--task',
        id,
        '--type',
        'task.*',
        '--since',
        '10m',
        '--limit',
        '3',
        '--for',
        '20s',
        '-o',
        'json',
      );
      expect(tail.code, tail.err).toBe(0);
      const types = tail.out
        .trim()
        .split('\n')
        .map((l) => json<{ envelope: { type: string; taskId: string } }>(l).envelope);
      expect(types.map((e) => e.type)).toEqual(['task.queued', 'task.started', 'task.succeeded']);
      expect(new Set(types.map((e) => e.taskId))).toEqual(new Set([id]));
      const lines = await p.cli('events', 'tail', '--task', id, '--topic', 'actions', '--since', '10m', '--limit', '2');
      expect(lines.out.split('\n')[0]).toMatch(
        new RegExp(`^\\S+Z  action\\.started  session=\\S+  task=${id}  pool=default  action 1 open \\(navigate\\)$`),
      );
    },
  );

  it('task run -o json (login sample): one JSON document on stdout, progress lines on stderr', async () => {
    const r = await p.cli('task', 'run', join(samples, 'login.yaml'), '--site', p.site.url, '-o', 'json');
    expect(r.code, r.err).toBe(0);
    const res = json<{
      task: { id: string; state: string; outputs: Record<string, unknown> };
      recordId: string;
      artifacts: unknown[];
      notes: string[];
    }>(r.out);
    expect(res.task.state).toBe('TASK_STATE_SUCCEEDED');
    expect(res.task.outputs['account']).toEqual(expect.any(String));
    expect(res.recordId).toEqual(expect.any(String));
    expect([res.artifacts, res.notes]).toEqual([[], []]);
    expect(r.err).toContain(`task ${res.task.id} submitted (8 actions)`);
    expect(r.err).toContain('[8/8] account (extract) succeeded in');
  });

  it('task run on a terminal draws a progress bar in place', async () => {
    const file = join(p.dir, 'short.yaml');
    writeFileSync(
      file,
      [
        'actions:',
        '  - navigate: { url: "http://127.0.0.1:8088/news" }',
        '  - extract: { selector: "#story-1 .title", output: top }',
        '',
      ].join('\n'),
    );
    const r = await p.cliWith({ tty: true }, 'task', 'run', 'short.yaml', '--site', p.site.url, '--record-wait', '0s');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('\r\x1b[2K[');
    expect(r.out).toContain('(extract) succeeded\ntask ');
    expect(r.out).toMatch(/\[#+\] 2\/2 {2}1-extract \(extract\) succeeded/);
    expect(r.out).toMatch(/^task \S+ SUCCEEDED in .* \(2\/2 actions\)$/m);
    expect(r.out).toContain(`  top: ${JSON.stringify(NEWS_TITLES[0])}`);
  });

  it('task run of a failing task exits 1 and names the failure; --record-wait 0s skips the record', async () => {
    const file = join(p.dir, 'fails.yaml');
    writeFileSync(
      file,
      [
        'actions:',
        `  - navigate: { url: "${p.site.url}/news" }`,
        '  - click: { selector: "#never" }',
        '    timeout: 500ms',
        '',
      ].join('\n'),
    );
    const r = await p.cli('task', 'run', 'fails.yaml', '--record-wait', '0s', '--no-artifacts');
    expect(r.code).toBe(1);
    expect(r.out).toContain('[2/2] 1-click (click) failed in');
    expect(r.out).toMatch(
      /^error: ACTION_FAILED at action 2: .*waiting for selector `#never` failed: 500 ms exceeded$/m,
    );
    expect(r.out).not.toContain('record:');
    expect(r.err).toMatch(/^nightglow: task \S+ FAILED: /);
  });

  it('task get, list and cancel', async () => {
    const file = join(p.dir, 'slow.yaml');
    writeFileSync(
      file,
      [
        'labels: { kind: slow }',
        'actions:',
        '  - navigate: { url: "http://127.0.0.1:8088/playground" }',
        '  - waitFor: { selector: "#never" }',
        '    timeout: 60s',
        '',
      ].join('\n'),
    );
    const sub = await p.cli('task', 'run', 'slow.yaml', '--site', p.site.url, '--detach', '-o', 'json');
    expect(sub.code, sub.err).toBe(0);
    const id = json<{ id: string }>(sub.out).id;
    const listed = await p.cli('task', 'list', '-l', 'kind=slow');
    expect(listed.out).toMatch(new RegExp(`^${id} +(QUEUED|RUNNING) `, 'm'));
    const cancelled = await p.cli('task', 'cancel', id, '--reason', 'test');
    expect([cancelled.code, cancelled.out]).toEqual([0, `task ${id} CANCELLED\n`]);
    const got = await p.cli('task', 'get', id, '-o', 'json');
    expect(json<{ task: { state: string } }>(got.out).task.state).toBe('TASK_STATE_CANCELLED');
    const human = await p.cli('task', 'get', id);
    expect(human.out).toMatch(new RegExp(`^task ${id} CANCELLED`));
    expect(human.out).toContain('labels: kind=slow');
    expect((await p.cli('task', 'list', '--state', 'cancelled', '-o', 'json')).out).toContain(id);
    expect((await p.cli('task', 'get', '01a00000-0000-7000-8000-000000000000')).code).toBe(4);
  });

  it('Ctrl-C during task run cancels the task and exits 130', async () => {
    const file = join(p.dir, 'stuck.yaml');
    writeFileSync(
      file,
      [
        'actions:',
        `  - navigate: { url: "${p.site.url}/playground" }`,
        '  - waitFor: { selector: "#never" }',
        '    timeout: 60s',
        '',
      ].join('\n'),
    );
    const interrupt = new AbortController();
    const running = p.cliWith({ signal: interrupt.signal }, 'task', 'run', 'stuck.yaml');
    await waitFor(async () => (await p.executor.listTasks({ states: [TaskState.RUNNING] })).tasks.length > 0);
    interrupt.abort();
    const r = await running;
    expect(r.code).toBe(130);
    const id = /^task (\S+) submitted/m.exec(r.out)?.[1] ?? '';
    expect(r.err).toBe(`nightglow: interrupted: task ${id} is CANCELLED\n`);
    expect((await p.executor.getTask({ taskId: id })).task?.state).toBe(TaskState.CANCELLED);
  });

  it('template register and list; a refused template names file, line and field', async () => {
    const file = join(p.dir, 'open-page.yaml');
    writeFileSync(
      file,
      [
        'name: open-page',
        'description: open a page and read its title',
        'parameters:',
        '  - { name: url, type: PARAMETER_TYPE_STRING, required: true }',
        'actions:',
        '  - navigate: { url: "${url}" }',
        '  - extract: { selector: "h1", output: heading }',
        '',
      ].join('\n'),
    );
    const r = await p.cli('template', 'register', 'open-page.yaml');
    expect([r.code, r.out]).toEqual([0, 'template open-page created (revision 1)\n']);
    expect((await p.cli('template', 'register', 'open-page.yaml')).out).toBe(
      'template open-page replaced (revision 2)\n',
    );
    const list = await p.cli('template', 'list');
    expect(list.out).toMatch(/^open-page +2 +2 +url:string /m);
    const listed = json<{ templates: { name: string }[] }>((await p.cli('template', 'list', '-o', 'json')).out);
    expect(listed.templates.map((t) => t.name)).toEqual(['open-page']);

    const taskFile = join(p.dir, 'use-template.yaml');
    writeFileSync(taskFile, `template: { name: open-page, parameters: { url: "${p.site.url}/news" } }\n`);
    const ran = await p.cli('task', 'run', 'use-template.yaml', '--record-wait', '0s');
    expect(ran.code, ran.err).toBe(0);
    expect(ran.out).toContain('submitted (template open-page)');
    expect(ran.out).toContain('  heading: "Top stories"');

    writeFileSync(file, ['name: broken', 'actions:', '  - navigate: { url: "${nope}" }', ''].join('\n'));
    const bad = await p.cli('template', 'register', 'open-page.yaml');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^nightglow: the task executor refused template file open-page\.yaml: /);
    expect(bad.err).toMatch(/^open-page\.yaml:3:\d+: actions\[0\]/m);
    writeFileSync(file, 'name: x\nactionz: []\n');
    const unknown = await p.cli('template', 'register', 'open-page.yaml');
    expect([unknown.code, unknown.err]).toEqual([
      2,
      'nightglow: template file open-page.yaml has 1 problem; nothing was registered\n' +
        'open-page.yaml:2:1: actionz: unknown field "actionz" (did you mean actions?)\n',
    ]);
  });

  it('alerts list, ack and resolve an alert created through IngestEvents', { timeout: 240_000 }, async () => {
    const fingerprint = 'cli-test-lcp';
    await p.records.ingestEvents({
      events: [
        create(EnvelopeSchema, {
          type: 'alert.firing',
          time: timestampNow(),
          pool: 'default',
          payload: {
            case: 'alert',
            value: {
              fingerprint,
              severity: Severity.WARNING,
              instrument: 'timing.lcp',
              metric: 'lcp',
              value: 3000,
              threshold: 2500,
              unit: 'ms',
              state: AlertState.FIRING,
              message: 'lcp 3000 ms above 2500 ms',
              pool: 'default',
              time: timestampNow(),
            },
          },
        }),
      ],
    });
    const list = await p.cli('alerts', 'list', '--status', 'firing');
    expect(list.code, list.err).toBe(0);
    expect(list.out).toMatch(
      new RegExp(
        `^${fingerprint} +FIRING +WARNING +timing\\.lcp/lcp +3000 ms +1 +\\S+ +lcp 3000 ms above 2500 ms$`,
        'm',
      ),
    );
    const ack = await p.cli('alerts', 'ack', fingerprint, '--by', 'alice', '--note', 'on it');
    expect(ack.out).toBe(`alert ${fingerprint} ACKNOWLEDGED by alice\n`);
    const resolved = await p.cli('alerts', 'resolve', fingerprint, '-o', 'json');
    expect(json<{ alert: { status: string; resolvedBy: string } }>(resolved.out).alert).toMatchObject({
      status: 'ALERT_STATUS_RESOLVED',
      resolvedBy: 'bootstrap-admin',
    });
    expect((await p.cli('alerts', 'ack', 'unknown-fp')).code).toBe(4);
    const noKey = await p.bin(['alerts', 'list'], { NIGHTGLOW_API_KEY: '' });
    expect(noKey.code).toBe(6);
    expect(noKey.err).toContain('pass --api-key or set NIGHTGLOW_API_KEY');
  });

  it('an unreachable endpoint: one line naming the address, exit 3 (the real bin)', { timeout: 240_000 }, async () => {
    const r = await p.bin(['task', 'list', '--executor', 'http://127.0.0.1:9']);
    expect([r.code, r.out, r.err]).toEqual([
      3,
      '',
      'nightglow: cannot reach the task executor at http://127.0.0.1:9 (connection refused)\n',
    ]);
    const home = join(p.dir, 'stale-home');
    mkdirSync(home, { recursive: true });
    writeFileSync(
      join(home, 'endpoints.json'),
      JSON.stringify({
        version: 1,
        pid: 999_999_999,
        services: { broker: { grpc: '127.0.0.1:9', http: 'http://127.0.0.1:9' } },
      }),
    );
    const stale = await p.bin(['session', 'list', '--home', home], { NIGHTGLOW_BROKER_URL: '' });
    expect(stale.code).toBe(3);
    expect(stale.err).toBe(
      'nightglow: cannot reach the session broker at http://127.0.0.1:9 (connection refused)\n' +
        `(from ${join(home, 'endpoints.json')}, whose process 999999999 is not running: start the platform with \`nightglow up\`)\n`,
    );
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Isolation } from '@nightglow/contracts/broker/v1';
import { WaitUntil } from '@nightglow/contracts/common/v1';
import { createSessionRequest } from './commands/session.js';
import type { Command } from 'commander';
import { COMMANDS } from './commands/index.js';
import { runCli } from './main.js';
import { artifactFileName, untilFound } from './task-run/artifacts.js';
import { memoryIo } from './testing.js';
import { Code, ConnectError } from '@connectrpc/connect';
import { RpcFailure } from './errors.js';

const dir = mkdtempSync(join(tmpdir(), 'ng-cli-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** Endpoints nobody listens on: a command that reached the network would exit 3, not 2. */
const env = { NIGHTGLOW_ENDPOINT: 'http://127.0.0.1:9', NIGHTGLOW_HOME: dir };

async function run(...argv: string[]) {
  const io = memoryIo({ env, cwd: dir });
  const code = await runCli(argv, io);
  return { code, out: io.stdout.text(), err: io.stderr.text() };
}

describe('argument parsing', () => {
  it('help and version exit 0 on stdout', async () => {
    const help = await run('--help');
    expect(help.code).toBe(0);
    for (const c of ['session', 'task', 'template', 'records', 'events', 'alerts', 'screencast'])
      expect(help.out).toContain(c);
    expect(help.out).toContain('--endpoint <url>');
    expect(await run('--version')).toMatchObject({ code: 0, out: '0.1.0\n' });
    expect((await run('session', 'create', '--help')).out).toContain('--idle-timeout <duration>');
  });

  it('bad flags and values exit 2 naming the flag', async () => {
    const ttl = await run('session', 'create', '--ttl', '3x');
    expect(ttl.code).toBe(2);
    expect(ttl.err).toContain("option '--ttl <duration>' argument '3x' is invalid");
    const vp = await run('session', 'create', '--viewport', 'big');
    expect([vp.code, vp.err]).toEqual([2, expect.stringContaining('expected WIDTHxHEIGHT')]);
    const iso = await run('session', 'create', '--isolation', 'vm');
    expect(iso.err).toContain('expected one of: context, browser');
    const out = await run('-o', 'xml', 'session', 'list');
    expect([out.code, out.err]).toEqual([
      2,
      expect.stringContaining("argument 'xml' is invalid. Allowed choices are table, json, yaml"),
    ]);
    expect((await run('sesion', 'list')).err).toContain('(Did you mean session?)');
    expect((await run('session', 'get')).code).toBe(2);
    const state = await run('task', 'list', '--state', 'done');
    expect(state.err).toContain('expected one of: queued, running, succeeded, failed, cancelled, timed-out');
    const both = await run('records', 'get', 'r1', '--task', 't1');
    expect([both.code, both.err]).toEqual([
      2,
      'nightglow: records get: give either a record id or --task <task-id>, not both or neither\n',
    ]);
    const since = await run('events', 'tail', '--since', 'yesterday');
    expect([since.code, since.err]).toEqual([2, expect.stringContaining('nightglow: --since: expected a duration')]);
    expect((await run('screencast', 's1', '--max-fps', '60')).err).toContain('expected a whole number from 1 to 30');
  });

  it('a bad task file exits 2 with file:line:column: field lines before any network call', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'actions:\n  - clik: { selector: "#a" }\n');
    const r = await run('task', 'run', 'bad.yaml');
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'nightglow: task file bad.yaml has 1 problem; nothing was submitted\n' +
        'bad.yaml:2:5: actions[0].clik: unknown action or field "clik" (did you mean click?)\n',
    );
    expect((await run('task', 'run', 'missing.yaml')).err).toBe('nightglow: task file missing.yaml: no such file\n');
  });

  it('--site must be a URL', async () => {
    const r = await run('task', 'run', 'x.yaml', '--site', 'ftp://x');
    expect([r.code, r.err]).toEqual([2, expect.stringContaining('--site: must be an http:// or https:// URL')]);
  });

  it('an unreachable endpoint exits 3 with one line', async () => {
    const r = await run('task', 'list');
    expect([r.code, r.err]).toEqual([
      3,
      'nightglow: cannot reach the task executor at http://127.0.0.1:9 (connection refused)\n',
    ]);
  });
});

describe('command registrars', () => {
  it('a command module is one registrar in the list', async () => {
    const io = memoryIo({ env, cwd: dir });
    const hello = (program: Command) => {
      program.command('hello').action(() => void io.stdout.write('hi\n'));
    };
    expect(await runCli(['hello'], io, [...COMMANDS, hello])).toBe(0);
    expect(io.stdout.text()).toBe('hi\n');
  });
});

describe('session create options', () => {
  it('map to the CreateSession request', () => {
    const req = createSessionRequest({
      pool: 'p',
      isolation: Isolation.BROWSER,
      ttl: 600_000,
      idleTimeout: 90_000,
      queueTimeout: 0,
      startUrl: 'http://x/',
      waitUntil: WaitUntil.DOMCONTENTLOADED,
      viewport: { width: 800, height: 600 },
      userAgent: 'ua',
      locale: 'de-DE',
      label: { team: 'a' },
      wait: false,
    });
    expect(req.pool).toBe('p');
    expect(req.noWait).toBe(true);
    expect(req.labels).toEqual({ team: 'a' });
    const o = req.options;
    expect([
      o?.isolation,
      Number(o?.ttl?.seconds),
      Number(o?.idleTimeout?.seconds),
      Number(o?.queueTimeout?.seconds),
    ]).toEqual([Isolation.BROWSER, 600, 90, 0]);
    expect([o?.startUrl, o?.waitUntil, o?.viewport?.width, o?.userAgent, o?.locale]).toEqual([
      'http://x/',
      WaitUntil.DOMCONTENTLOADED,
      800,
      'ua',
      'de-DE',
    ]);
    expect(createSessionRequest({ wait: true }).options?.ttl).toBeUndefined();
  });
});

describe('artifact files', () => {
  it('get safe, unique names', () => {
    const taken = new Set<string>(['news.png']);
    expect(artifactFileName({ id: 'a1', name: '../../etc/passwd', contentType: 'text/plain' }, new Set())).toBe(
      'passwd',
    );
    expect(artifactFileName({ id: 'a2', name: 'news.png', contentType: 'image/png' }, taken)).toBe('news-a2.png');
    expect(artifactFileName({ id: 'a3', name: '', contentType: 'image/jpeg' }, taken)).toBe('a3.jpg');
  });

  it('NOT_FOUND is retried until the deadline, other errors are not', async () => {
    let calls = 0;
    const notYet = () => new RpcFailure('records', 'http://r', new ConnectError('no', Code.NotFound));
    const signal = new AbortController().signal;
    const w = { deadline: Date.now() + 2000, now: Date.now, intervalMs: 10, signal };
    expect(await untilFound(async () => (++calls < 3 ? Promise.reject(notYet()) : 'ok'), w)).toBe('ok');
    expect(calls).toBe(3);
    expect(await untilFound(() => Promise.reject(notYet()), { ...w, deadline: Date.now() + 30 })).toBeUndefined();
    await expect(
      untilFound(() => Promise.reject(new RpcFailure('records', 'http://r', new ConnectError('x', Code.Internal))), w),
    ).rejects.toBeInstanceOf(RpcFailure);
  });
});

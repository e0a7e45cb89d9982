/**
 * The README's first command, end to end, as a user runs it: in a clean temp
 * folder, `bash scripts/up.sh` (what `npm start` runs) starts the all-in-one
 * platform and runs the news-titles sample; then the built `nightglow` CLI
 * runs the other samples, reads the records and tails the events; Ctrl-C
 * stops it and no Chromium is left. Then the same with the real parts swapped
 * in — Kafka, Redis and PostgreSQL from the test environment, every service
 * and browser as its own process — where each sample's task record must hold
 * its actions, outputs and the sidecar's measurements (TTFB, FCP, LCP,
 * requests), and `events tail` must show the measurements live.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase, useTestEnv } from '@nightglow/testenv';
import { NEWS_TITLES } from '@nightglow/task-executor';
import { afterAll, describe, expect, it } from 'vitest';
import { chromiumUnder, reapChromiumUnder } from './index.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(REPO, 'packages/cli/dist/bin.js');
const SAMPLES = join(REPO, 'services/task-executor/samples');

type Result = { code: number | null; stdout: string; stderr: string };

/** A running `up`, with everything it printed so far. */
type UpProcess = {
  readonly child: ChildProcess;
  readonly out: () => string;
  readonly err: () => string;
  readonly exited: Promise<number | null>;
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
};

const running: UpProcess[] = [];
const folders: string[] = [];

function processEnv(home: string): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'], HOME: process.env['HOME'], NIGHTGLOW_HOME: home, CI: 'true' };
}

function startUp(command: string, args: string[], cwd: string, home: string): UpProcess {
  const child = spawn(command, args, { cwd, env: processEnv(home), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const up: UpProcess = {
    child,
    out: () => out,
    err: () => err,
    exited,
    waitFor: async (re, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      let done = false;
      void exited.then(() => (done = true));
      for (;;) {
        const m = re.exec(out);
        if (m) return m;
        if (done || Date.now() > deadline)
          throw new Error(
            `no ${String(re)} in the output of up (${done ? 'it exited' : 'timed out'}):\n${out}\n${err}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
  running.push(up);
  return up;
}

function cli(args: string[], cwd: string, home: string, timeoutMs = 120_000): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: processEnv(home) });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`nightglow ${args.join(' ')} timed out:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Every live process whose command line mentions `dir` (Chromium profiles live under it). */
function processesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(dir) && Number(pid) !== process.pid) found.push(`${pid}: ${cmdline.slice(0, 160)}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function stopUp(up: UpProcess): Promise<number | null> {
  up.child.kill('SIGINT');
  const code = await Promise.race([up.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000))]);
  if (code === 'hung') throw new Error(`up did not stop within 60 s:\n${up.err()}`);
  return code;
}

function json<T>(r: Result): T {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** NDJSON lines of `events tail -o json`. */
function lines<T>(r: Result): T[] {
  expect(r.code, r.stderr).toBe(0);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

type Summary = { ttfbMs?: number; fcpMs?: number; lcpMs?: number; requestCount?: string; measurementCount?: number };
type RecordJson = {
  taskRecord: {
    id: string;
    taskId: string;
    state: string;
    outputs?: Record<string, unknown>;
    timeline?: { result?: { name: string; state: string; actionType: string }; measurements?: Summary }[];
  };
};

afterAll(async () => {
  // A test that failed midway left its platform running: stop it as a user would, then make sure.
  for (const up of running) {
    if (up.child.exitCode !== null || up.child.signalCode !== null || up.child.pid === undefined) continue;
    up.child.kill('SIGINT');
    const done = await Promise.race([
      up.exited.then(() => true),
      new Promise((r) => setTimeout(() => r(false), 30_000)),
    ]);
    if (!done) process.kill(-up.child.pid, 'SIGKILL');
  }
  for (const dir of folders) {
    reapChromiumUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

/** Runs the samples other than news-titles through the CLI and returns their record ids. */
async function runOtherSamples(cwd: string, home: string, site: string): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const [sample, output] of [
    ['login', /account: "Signed in as demo\."/],
    ['request-form', /confirmation: /],
  ] as const) {
    const r = await cli(['task', 'run', join(SAMPLES, `${sample}.yaml`), '--site', site], cwd, home);
    expect(r.code, `${sample}: ${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/SUCCEEDED/);
    expect(r.stdout).toMatch(output);
    const record = /^record: (\S+)$/m.exec(r.stdout);
    expect(record, r.stdout).not.toBeNull();
    ids[sample] = record![1]!;
  }
  return ids;
}

describe('README quick start: npm start, then the CLI', () => {
  it('starts the platform, runs every sample, shows records and events, and leaves no Chromium', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ng-quickstart-'));
    folders.push(cwd);
    const home = join(cwd, 'home');
    const up = startUp('bash', [join(REPO, 'scripts/up.sh'), '--ports', 'ephemeral'], cwd, home);
    // The sample's end: titles, the screenshot path and the record id.
    const record = await up.waitFor(/^record: (\S+)$/m, 240_000);
    const out = up.out();
    expect(out).toMatch(/^Nightglow is up \(in-process, in-process bus, in-memory state, PGlite\)/m);
    for (const title of NEWS_TITLES) expect(out).toContain(title);
    const shot = /news\.png: (\S+) \(\d+ bytes\)/.exec(out);
    expect(shot, out).not.toBeNull();
    expect(shot![1]!.startsWith(join(cwd, 'nightglow-artifacts'))).toBe(true);
    expect(readFileSync(shot![1]!).subarray(1, 4).toString()).toBe('PNG');

    const endpoints = JSON.parse(readFileSync(join(home, 'endpoints.json'), 'utf8')) as { demoSite: string };
    const ids = { 'news-titles': record[1]!, ...(await runOtherSamples(cwd, home, endpoints.demoSite)) };

    const listed = json<{ taskRecords: { id: string }[] }>(await cli(['-o', 'json', 'records', 'list'], cwd, home));
    expect(listed.taskRecords.map((r) => r.id).sort()).toEqual(Object.values(ids).sort());
    const news = json<RecordJson>(await cli(['-o', 'json', 'records', 'get', ids['news-titles']], cwd, home));
    expect(news.taskRecord.state).toBe('TASK_STATE_SUCCEEDED');
    expect(news.taskRecord.outputs?.['titles']).toEqual([...NEWS_TITLES]);
    expect(news.taskRecord.timeline?.map((a) => a.result?.name)).toEqual([
      'open',
      'wait-list',
      'titles',
      'top-link',
      'page',
      'has-stories',
    ]);

    const events = lines<{ envelope: { type: string; taskId?: string } }>(
      await cli(
        ['-o', 'json', 'events', 'tail', '--task', news.taskRecord.taskId, '--since', '1h', '--for', '3s'],
        cwd,
        home,
      ),
    );
    const types = events.map((e) => e.envelope.type);
    expect(types).toContain('task.queued');
    expect(types).toContain('action.succeeded');
    expect(types).toContain('task.succeeded');

    expect(await stopUp(up)).toBe(0);
    expect(up.err()).toContain('Stopped cleanly; no Chromium left running.');
    expect(existsSync(join(home, 'endpoints.json'))).toBe(false);
    expect(chromiumUnder(join(home, 'browsers'))).toBe(0);
    expect(processesUnder(cwd)).toEqual([]);
  }, 420_000);
});

type Seen = { ttfb: boolean; fcp: boolean; lcp: boolean; requests: boolean };

/** Which of the sidecar's page measurements the record of a task holds in its actions' summaries. */
function pageMeasurements(r: RecordJson): Seen {
  const timeline = r.taskRecord.timeline ?? [];
  const seen = (pick: (m: Summary) => number | string | undefined): boolean =>
    timeline.some((a) => a.measurements !== undefined && Number(pick(a.measurements) ?? 0) > 0);
  return {
    ttfb: seen((m) => m.ttfbMs),
    fcp: seen((m) => m.fcpMs),
    lcp: seen((m) => m.lcpMs),
    requests: seen((m) => m.requestCount),
  };
}

describe('the same with Kafka, Redis, PostgreSQL and a process per service and browser', () => {
  it("keeps each sample's actions, outputs and sidecar measurements in its record, and tails them live", async () => {
    const env = useTestEnv();
    const cwd = mkdtempSync(join(tmpdir(), 'ng-quickstart-real-'));
    folders.push(cwd);
    const home = join(cwd, 'home');
    const prefix = `e2e${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const db = await createDatabase(env.postgres.url, `${prefix}_records`);
    const up = startUp(
      process.execPath,
      [
        ...[BIN, 'up', '--mode', 'processes', '--ports', 'ephemeral', '--browsers', '1'],
        ...['--kafka-brokers', env.kafka.brokers.join(','), '--topic-prefix', prefix],
        ...['--redis-url', `${env.redis.url.replace(/\/\d*$/, '')}/11`, '--database-url', db],
      ],
      cwd,
      home,
    );
    await up.waitFor(/^Ctrl-C stops everything\.$/m, 180_000);
    expect(up.out()).toMatch(/^Nightglow is up \(processes, Kafka [^,]+, Redis state, PostgreSQL\)/m);
    const endpoints = JSON.parse(readFileSync(join(home, 'endpoints.json'), 'utf8')) as { demoSite: string };

    // Tail measurements live while the samples run. The tail prints nothing once its stream is open and only sees
    // events stored after that, so `--since` its start time: a slow CLI start cannot miss the first sample's events.
    const tailFrom = new Date().toISOString();
    const tail = startUp(
      process.execPath,
      [BIN, '-o', 'json', 'events', 'tail', '--topic', 'measurements', '--since', tailFrom],
      cwd,
      home,
    );
    const news = await cli(['task', 'run', join(SAMPLES, 'news-titles.yaml'), '--site', endpoints.demoSite], cwd, home);
    expect(news.code, news.stdout + news.stderr).toBe(0);
    const ids = {
      'news-titles': /^record: (\S+)$/m.exec(news.stdout)![1]!,
      ...(await runOtherSamples(cwd, home, endpoints.demoSite)),
    };

    for (const [sample, id] of Object.entries(ids)) {
      const r = json<RecordJson>(await cli(['-o', 'json', 'records', 'get', id], cwd, home));
      expect(r.taskRecord.state, sample).toBe('TASK_STATE_SUCCEEDED');
      expect(Object.keys(r.taskRecord.outputs ?? {}).length, `${sample}: outputs`).toBeGreaterThan(0);
      expect(
        r.taskRecord.timeline?.every((a) => a.result?.state === 'ACTION_STATE_SUCCEEDED'),
        sample,
      ).toBe(true);
      expect(pageMeasurements(r), `${sample}: the sidecar's measurements in its record`).toEqual({
        ttfb: true,
        fcp: true,
        lcp: true,
        requests: true,
      });
    }
    const newsRecord = json<RecordJson>(await cli(['-o', 'json', 'records', 'get', ids['news-titles']], cwd, home));
    expect(newsRecord.taskRecord.outputs?.['titles']).toEqual([...NEWS_TITLES]);

    tail.child.kill('SIGINT');
    await tail.exited;
    const live = tail
      .out()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { envelope: { type: string; taskId?: string } });
    const newsTask = newsRecord.taskRecord.taskId;
    expect(
      live.filter((e) => e.envelope.taskId === newsTask).length,
      'live measurements of the news-titles task',
    ).toBeGreaterThan(0);

    expect(await stopUp(up)).toBe(0);
    expect(up.err()).toContain('Stopped cleanly; no Chromium left running.');
    expect(chromiumUnder(join(home, 'browsers'))).toBe(0);
    expect(processesUnder(cwd)).toEqual([]);
  }, 600_000);
});

/**
 * Crashes and orphans with real Chromium: a SIGKILLed browser fails its
 * sessions with a reason, watchers hear it, the pool heals and no process of
 * it is left; Chromium orphaned by a dead broker is reaped at start, while a
 * live broker's browsers are left alone.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloseReason,
  SessionEventType,
  SessionState,
  type WatchSessionsResponse,
} from '@nightglow/contracts/broker/v1';
import puppeteer from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs } from './browsers/local/launcher.js';
import { listProcesses } from './browsers/local/process-table.js';
import { chromiumUnder, eventually, startFixtureServer, type FixtureServer } from './test-support/fixtures.js';
import { startBroker, type Harness } from './test-support/harness.js';

let h: Harness;
let web: FixtureServer;
let orphanPid = 0;
let bystanderPid = 0;
let liveOwner: ChildProcess | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'ngb-test-'));

const alive = (pid: number) => listProcesses().some((p) => p.pid === pid && p.cmdline !== '');

/** Starts a Chromium whose profile claims to belong to broker `owner` (pid-starttime). */
function chromiumOwnedBy(owner: string): number {
  const userDataDir = join(dataDir, `ngb-${owner}`, 'default', 'local-1-aaaaaa');
  mkdirSync(userDataDir, { recursive: true });
  const args = chromiumArgs({
    executable: '',
    userDataDir,
    extraArgs: [],
    proxyServer: '',
    noSandbox: true,
    timeoutMs: 0,
  });
  const child = spawn('/usr/bin/chromium', args, { detached: true, stdio: 'ignore' });
  child.unref();
  return child.pid ?? 0;
}

beforeAll(async () => {
  web = await startFixtureServer();
  const dead = spawnSync('true').pid ?? 1; // a pid whose process has exited
  orphanPid = chromiumOwnedBy(`${dead}-12345`);
  // A live process stands in for another broker on this host: its browser must survive the reaping.
  liveOwner = spawn('sleep', ['600'], { stdio: 'ignore' });
  const ownerPid = liveOwner.pid ?? 0;
  const started = await eventually('owner listed', () => listProcesses().find((p) => p.pid === ownerPid)?.startTime);
  bystanderPid = chromiumOwnedBy(`${ownerPid}-${started}`);
  await eventually('the planted browsers to run', () => (chromiumUnder(dataDir).length >= 2 ? true : undefined));
  h = await startBroker({ dataDir, pools: { pools: [{ name: 'default', local: { prewarm: 1 } }] } });
});

afterAll(async () => {
  try {
    if (bystanderPid > 0 && alive(bystanderPid)) process.kill(-bystanderPid, 'SIGKILL');
    liveOwner?.kill('SIGKILL');
  } finally {
    await h?.stop();
    await web?.close();
  }
});

describe('orphans', () => {
  it('reaps Chromium left by a dead broker at start and leaves live brokers’ browsers alone', async () => {
    await eventually('orphan reaped', () => (alive(orphanPid) ? undefined : true));
    expect(alive(bystanderPid)).toBe(true);
  });
});

describe('browser crash', () => {
  it('fails the sessions of a SIGKILLed browser, tells watchers, heals the pool, leaves no process', async () => {
    const created = await h.client.createSession({ options: { startUrl: `${web.origin}/one` } });
    const a = created.session;
    const aToken = created.token;
    const b = (await h.client.createSession({})).session;
    expect(b?.browserId).toBe(a?.browserId);
    const events: WatchSessionsResponse[] = [];
    const abort = new AbortController();
    const watching = (async () => {
      for await (const m of h.client.watchSessions({}, { signal: abort.signal })) events.push(m);
    })().catch(() => undefined);
    const pb = await puppeteer.connect({
      browserWSEndpoint: `${a?.cdpEndpoint}?token=${aToken}`,
      defaultViewport: null,
    });
    const disconnected = new Promise((r) => pb.once('disconnected', r));
    const marker = `${dataDir}/ngb-${process.pid}-`;
    const profile = `/default/${a?.browserId}-`;
    const ours = (cmdline: string) => cmdline.includes(marker) && cmdline.includes(profile);
    const main = listProcesses().find((p) => ours(p.cmdline) && !p.cmdline.includes('--type='));
    expect(main).toBeDefined();
    process.kill(main?.pid ?? 0, 'SIGKILL');

    for (const s of [a, b]) {
      const failed = await eventually('FAILED', async () => {
        const r = (await h.client.getSession({ sessionId: s?.id ?? '' })).session;
        return r?.state === SessionState.FAILED ? r : undefined;
      });
      expect(failed.closeReason).toBe(CloseReason.BROWSER_CRASHED);
      expect(failed.closeMessage).toBe('browser process exited with signal SIGKILL');
    }
    await eventually('watchers told', () =>
      events.filter(
        (e) => e.event?.type === SessionEventType.STATE_CHANGED && e.event.session?.state === SessionState.FAILED,
      ).length >= 2
        ? true
        : undefined,
    );
    abort.abort();
    await watching;
    await disconnected; // the client's CDP connection was cut
    await eventually('no process of the killed browser', () =>
      listProcesses().some((p) => ours(p.cmdline)) ? undefined : true,
    );
    const healed = await eventually('pool healed', async () => {
      const p = (await h.client.getPool({ pool: 'default' })).pool;
      return p?.browsers.some((x) => x.id === a?.browserId) === false && (p.warm ?? 0) >= 1 ? p : undefined;
    });
    expect(healed.readyBrowserCount).toBeGreaterThanOrEqual(1);
    const next = (await h.client.createSession({ options: { startUrl: `${web.origin}/two` } })).session;
    expect(next?.state).toBe(SessionState.READY);
    expect(next?.browserId).not.toBe(a?.browserId);
  });
});

/**
 * The in-process platform against real Chromium: every service answers on
 * its listeners, every browser gets a sidecar whose measurements carry the
 * session, endpoints.json says where things are, and stopping leaves no
 * Chromium and no endpoints file behind.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { SessionBroker } from '@nightglow/contracts/broker/v1';
import { Instrumentation } from '@nightglow/contracts/instrumentation/v1';
import puppeteer from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEndpoints, startPlatform, type Platform } from './index.js';

let home: string;
let platform: Platform | undefined;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'ng-up-'));
  platform = await startPlatform({ home, ports: 'ephemeral', prewarm: 1, logLevel: 'warn' });
}, 90_000);

afterAll(async () => {
  // Normally the last test stopped it; this only runs when a test failed first.
  if (platform !== undefined) expect((await platform.stop()).leftoverChromium).toBe(0);
  await rm(home, { recursive: true, force: true });
}, 60_000);

const grpc = (address: string) => createGrpcTransport({ baseUrl: `http://${address}` });

describe('nightglow up, in one process', () => {
  it('writes endpoints.json and serves every service, the demo site and a sidecar per browser', async () => {
    const p = platform!;
    expect(await readEndpoints(home)).toEqual(p.endpoints);
    const { broker, executor, recordStore, sidecars } = p.endpoints.services;
    for (const s of [broker, executor, recordStore, ...sidecars]) {
      const res = await fetch(`${s.http}/readyz`);
      expect(res.status, `${s.http}/readyz`).toBe(200);
    }
    expect(sidecars).toHaveLength(1); // prewarm 1: one browser, one sidecar
    const news = await fetch(`${p.endpoints.demoSite}/news`);
    expect(await news.text()).toContain('class="story"');
    expect(p.endpoints.services.operator).toBeUndefined();
    expect(p.endpoints.services.recordStore.apiKey).toBeUndefined(); // loopback: auth off
  });

  it("attaches a session to its browser's sidecar: the page's measurements carry the session id", async () => {
    const { broker, sidecars } = platform!.endpoints.services;
    const sessions = createClient(SessionBroker, grpc(broker.grpc));
    // The only browser is the warm one: a CONTEXT session lands on it, and so under its sidecar.
    const created = await sessions.createSession({ pool: 'default' });
    const session = created.session!;
    const headers = { authorization: `Bearer ${created.token}` };
    const sidecar = createClient(Instrumentation, grpc(sidecars[0]!.grpc));
    const abort = new AbortController();
    const seen = (async () => {
      for await (const { measurement } of sidecar.streamMeasurements(
        { sessionId: session.id },
        { signal: abort.signal },
      )) {
        if (measurement?.url.includes('/news')) return measurement;
      }
      return undefined;
    })();
    try {
      const browser = await puppeteer.connect({ browserWSEndpoint: session.cdpEndpoint, headers });
      const page = await browser.newPage();
      await page.goto(`${platform!.endpoints.demoSite}/news`, { waitUntil: 'load' });
      const measurement = await Promise.race([
        seen,
        new Promise<undefined>((r) => setTimeout(() => r(undefined), 15_000)),
      ]);
      expect(measurement?.sessionId).toBe(session.id);
      expect(measurement?.pool).toBe('default');
      await browser.disconnect();
    } finally {
      abort.abort();
      await seen.catch(() => undefined);
      await sessions.deleteSession({ sessionId: session.id });
    }
  }, 60_000);

  it('stops cleanly: no Chromium, no endpoints file', async () => {
    const report = await platform!.stop();
    expect(report).toEqual({ clean: true, leftoverChromium: 0, problems: [] });
    expect(existsSync(join(home, 'endpoints.json'))).toBe(false);
    platform = undefined;
  }, 60_000);
});

/**
 * The CDP proxy against real Chromium: CONTEXT confinement (two sessions in one
 * browser), puppeteer and Playwright through the proxy, token refusals, proxy
 * metrics, the screencast of a changing page, and a static pool.
 */
import { connectBrowser, type CdpConnection } from '@nightglow/cdp';
import { launchChromium, type ChromiumBrowser } from '@nightglow/testenv';
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureServer, type FixtureServer } from './test-support/fixtures.js';
import { startBroker, type Harness } from './test-support/harness.js';

let h: Harness;
let web: FixtureServer;
let external: ChromiumBrowser;
const open: CdpConnection[] = [];

beforeAll(async () => {
  web = await startFixtureServer();
  external = await launchChromium();
  const port = new URL(external.wsEndpoint).port;
  h = await startBroker({
    pools: {
      pools: [
        { name: 'default', maxSessions: 6, sessionsPerBrowser: 6, local: { prewarm: 0 } },
        { name: 'fixed', source: 'static', static: { endpoints: [{ id: 'ext', url: `http://127.0.0.1:${port}` }] } },
      ],
    },
  });
});

afterAll(async () => {
  await Promise.allSettled(open.map((c) => c.close()));
  await h?.stop();
  await external?.stop();
  await web?.close();
});

async function session(pool = 'default', startUrl = `${web.origin}/one`) {
  const { session: s, token } = await h.client.createSession({ pool, options: { startUrl } });
  if (s === undefined) throw new Error('no session');
  return {
    id: s.id,
    endpoint: `${s.cdpEndpoint}?token=${token}`,
    token,
    context: s.browserContextId,
    browserId: s.browserId,
  };
}
async function raw(endpoint: string): Promise<CdpConnection> {
  const c = await connectBrowser(endpoint);
  open.push(c);
  return c;
}
const pagesOf = async (c: CdpConnection) =>
  (await c.send('Target.getTargets')).targetInfos.filter((t) => t.type === 'page');
const refusal = async (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (e: Error) => e.message,
  );

function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('open', () => (ws.close(), resolve(101)));
    ws.once('error', (e) => (e.message.includes('Unexpected server response') ? undefined : reject(e)));
  });
}

describe('CONTEXT confinement', () => {
  it('keeps a second session in the same browser away from the first session’s page', async () => {
    const a = await session('default', `${web.origin}/one`);
    const b = await session('default', `${web.origin}/two`);
    expect(b.browserId).toBe(a.browserId);
    expect(b.context).not.toBe(a.context);
    const ca = await raw(a.endpoint);
    const cb = await raw(b.endpoint);
    const [pageA] = await pagesOf(ca);
    expect(pageA?.browserContextId).toBe(a.context);
    const seenByB = await pagesOf(cb);
    expect(seenByB.map((t) => t.browserContextId)).toEqual([b.context]);
    expect(seenByB.map((t) => t.targetId)).not.toContain(pageA?.targetId);
    const targetId = pageA?.targetId ?? '';
    expect(await refusal(cb.send('Target.attachToTarget', { targetId, flatten: true }))).toMatch(
      /No target with given id/,
    );
    expect(await refusal(cb.send('Target.closeTarget', { targetId }))).toMatch(/No target with given id/);
    expect(await refusal(cb.send('Target.disposeBrowserContext', { browserContextId: a.context }))).toMatch(
      /not allowed/,
    );
    expect(await refusal(cb.send('Target.createBrowserContext', {}))).toMatch(/not allowed/);
    expect(await refusal(cb.send('Browser.close'))).toMatch(/not allowed/);
    expect(await refusal(cb.send('Target.attachToBrowserTarget'))).toMatch(/not allowed/);
    expect((await cb.send('Target.getBrowserContexts')).browserContextIds).toEqual([b.context]);

    const pb = await puppeteer.connect({ browserWSEndpoint: b.endpoint, defaultViewport: null });
    const created = await pb.newPage();
    await created.goto(`${web.origin}/`);
    const bPages = await pagesOf(cb);
    expect(bPages.every((t) => t.browserContextId === b.context)).toBe(true);
    expect(bPages.map((t) => t.url).sort()).toEqual([`${web.origin}/`, `${web.origin}/two`]);
    expect((await pb.pages()).map((p) => p.url()).sort()).toEqual([`${web.origin}/`, `${web.origin}/two`]);
    expect((await pagesOf(ca)).map((t) => t.url)).toEqual([`${web.origin}/one`]); // A never sees B's new page
    await pb.close(); // Browser.close is refused by the proxy; puppeteer only disconnects
    const pa = await puppeteer.connect({ browserWSEndpoint: a.endpoint, defaultViewport: null });
    const [aPage] = await pa.pages();
    expect(await aPage?.evaluate('document.title')).toBe('one'); // the shared browser is alive
    await pa.disconnect();
    await h.client.deleteSession({ sessionId: a.id });
    await h.client.deleteSession({ sessionId: b.id });
  });

  it('works for Playwright connectOverCDP: new pages open in the session’s context', async () => {
    const s = await session();
    const browser = await chromium.connectOverCDP(s.endpoint);
    const [context] = browser.contexts();
    expect(context?.pages().map((p) => p.url())).toEqual([`${web.origin}/one`]);
    const page = await context?.newPage();
    await page?.goto(`${web.origin}/two`);
    expect(await page?.title()).toBe('two');
    const c = await raw(s.endpoint);
    expect((await pagesOf(c)).map((t) => t.browserContextId)).toEqual([s.context, s.context]);
    await browser.close();
    await h.client.deleteSession({ sessionId: s.id });
  });
});

describe('authentication and metrics', () => {
  it('refuses missing, wrong and foreign tokens before upgrading', async () => {
    const a = await session();
    const b = await session();
    const base = `${h.wsBase}/cdp/${a.id}`;
    expect(await upgradeStatus(base)).toBe(401);
    expect(await upgradeStatus(`${base}?token=wrong`)).toBe(403);
    expect(await upgradeStatus(`${base}?token=${b.token}`)).toBe(403);
    expect(await upgradeStatus(base, { authorization: `Bearer ${a.token}` })).toBe(101);
    expect(await upgradeStatus(`${h.wsBase}/cdp/00000000-0000-7000-8000-000000000000?token=x`)).toBe(404);
    expect(await upgradeStatus(`${h.wsBase}/elsewhere?token=x`)).toBe(404);
    await h.client.deleteSession({ sessionId: a.id });
    await new Promise((r) => setTimeout(r, 300));
    expect(await upgradeStatus(`${base}?token=${a.token}`)).toBe(409);
    await h.client.deleteSession({ sessionId: b.id });
  });

  it('counts proxy messages and bytes per direction', async () => {
    const s = await session();
    const c = await raw(s.endpoint);
    for (let i = 0; i < 5; i++) await c.send('Browser.getVersion');
    const text = await (await fetch(`http://127.0.0.1:${h.httpPort}/metrics`)).text();
    const value = (name: string, direction: string) =>
      Number(
        new RegExp(`^${name}\\{[^}]*pool="default"[^}]*direction="${direction}"[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ??
          0,
      );
    expect(value('nightglow_broker_proxy_messages_total', 'client_to_browser')).toBeGreaterThanOrEqual(5);
    expect(value('nightglow_broker_proxy_messages_total', 'browser_to_client')).toBeGreaterThanOrEqual(5);
    expect(value('nightglow_broker_proxy_bytes_total', 'browser_to_client')).toBeGreaterThan(100);
    expect(text).toMatch(/nightglow_broker_proxy_refused_total\{[^}]*status="403"[^}]*\} [1-9]/);
    expect(text).toMatch(/nightglow_broker_sessions\{[^}]*pool="default"[^}]*state="READY"[^}]*\} [1-9]/);
    await h.client.deleteSession({ sessionId: s.id });
  });
});

describe('live view and static pools', () => {
  it('streams JPEG frames of a page that changes, until the client cancels', async () => {
    const s = await session('default', `${web.origin}/ticker`);
    const abort = new AbortController();
    const frames: { seq: bigint; data: Uint8Array; url: string }[] = [];
    const stream = h.client.streamScreencast({ sessionId: s.id, maxFps: 10, quality: 50 }, { signal: abort.signal });
    await (async () => {
      for await (const f of stream) {
        frames.push({ seq: f.sequence, data: f.data, url: f.page?.url ?? '' });
        if (frames.length === 6) abort.abort();
      }
    })().catch(() => undefined);
    expect(frames.map((f) => f.seq)).toEqual([1n, 2n, 3n, 4n, 5n, 6n]);
    expect(frames.every((f) => f.data[0] === 0xff && f.data[1] === 0xd8)).toBe(true);
    expect(new Set(frames.map((f) => Buffer.from(f.data).toString('base64'))).size).toBeGreaterThan(1);
    expect(frames[0]?.url).toBe(`${web.origin}/ticker`);
    await h.client.deleteSession({ sessionId: s.id });
  });

  it('serves sessions from a static endpoint resolved through /json/version', async () => {
    const s = await session('fixed', `${web.origin}/two`);
    expect(s.browserId).toBe('ext');
    const pb = await puppeteer.connect({ browserWSEndpoint: s.endpoint, defaultViewport: null });
    const pages = await pb.pages();
    expect(pages.map((p) => p.url())).toEqual([`${web.origin}/two`]); // the browser's own about:blank tab is hidden
    await pb.disconnect();
    await h.client.deleteSession({ sessionId: s.id });
  });
});

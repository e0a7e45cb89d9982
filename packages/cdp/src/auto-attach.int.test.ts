import { launchChromium, type ChromiumBrowser } from '@nightglow/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAutoAttach, type AutoAttach } from './auto-attach.js';
import { connectBrowser } from './browser.js';
import type { CdpConnection, CdpSession } from './connection.js';
import { waitForEvent } from './event-router.js';
import { createIsolatedWorld, evaluateIsolated } from './isolated-world.js';
import type { TargetInfo } from './protocol.js';
import { eventually, startFixtureServer, type FixtureServer } from './testing/fixture-server.js';

/** What the per-target setup saw on one page, from before it was resumed. */
type Seen = { info: TargetInfo; session: CdpSession; requests: string[]; lifecycle: string[]; detached: boolean };

describe('flat auto-attach against real Chromium', () => {
  let chromium: ChromiumBrowser;
  let fixtures: FixtureServer;
  let conn: CdpConnection;
  let auto: AutoAttach;
  const seen = new Map<string, Seen>();

  const attachedTo = (targetId: string): Promise<Seen> => eventually(`attach of ${targetId}`, () => seen.get(targetId));
  const loaded = (page: Seen): Promise<true> =>
    eventually(`load of ${page.info.url}`, () => (page.lifecycle.includes('load') ? true : undefined));
  const requested = (page: Seen, path: string): Promise<true> =>
    eventually(`request of ${path}`, () => (page.requests.includes(`${fixtures.origin}${path}`) ? true : undefined));

  beforeAll(async () => {
    fixtures = await startFixtureServer();
    chromium = await launchChromium();
    conn = await connectBrowser(chromium.wsEndpoint);
    auto = await startAutoAttach(conn, {
      onAttached: async (info, session) => {
        const page: Seen = { info, session, requests: [], lifecycle: [], detached: false };
        session.on('Network.requestWillBeSent', (e) => page.requests.push(e.request.url));
        session.on('Page.lifecycleEvent', (e) => page.lifecycle.push(e.name));
        await session.send('Page.enable');
        await session.send('Page.setLifecycleEventsEnabled', { enabled: true });
        await session.send('Network.enable');
        seen.set(info.targetId, page);
      },
      onDetached: (info) => {
        const page = seen.get(info.targetId);
        if (page !== undefined) page.detached = true;
      },
    });
  });
  afterAll(async () => {
    await auto?.stop();
    await conn?.close();
    await chromium?.stop();
    await fixtures?.close();
  });

  it('has set up the page that existed before it started', () => {
    const pages = auto.targets().map((t) => t.targetInfo);
    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatchObject({ type: 'page', url: 'about:blank' });
    expect(seen.has(pages[0]!.targetId)).toBe(true);
  });

  it('attaches a page created later through Target.createTarget and sees it load', async () => {
    const { targetId } = await conn.send('Target.createTarget', { url: `${fixtures.origin}/page` });
    const page = await attachedTo(targetId);
    expect(page.info).toMatchObject({ type: 'page', url: `${fixtures.origin}/page` });
    // Chromium starts a createTarget URL's navigation before it reports the target (see README):
    // the document request can precede the attach; Page.setLifecycleEventsEnabled replays the lifecycle
    await loaded(page);
    expect(page.lifecycle).toEqual(expect.arrayContaining(['DOMContentLoaded', 'load']));
    expect(auto.targets().some((t) => t.targetInfo.targetId === targetId)).toBe(true);
  });

  it('attaches a popup opened by window.open from a page, set up before its first request', async () => {
    const { targetId: openerId } = await conn.send('Target.createTarget', { url: `${fixtures.origin}/opener` });
    const opener = await attachedTo(openerId);
    await loaded(opener);
    // a real click on the page's own button: its onclick handler calls window.open
    await evaluateIsolated(opener.session, 'document.getElementById("open").click()', { userGesture: true });
    const popup = await eventually('the popup', () => [...seen.values()].find((p) => p.info.openerId === openerId));
    await requested(popup, '/popup');
    await loaded(popup);
    expect(popup.info.type).toBe('page');
    // held by waitForDebuggerOnStart until the setup was done: even its document request was seen
    expect(popup.requests[0]).toBe(`${fixtures.origin}/popup`);
    const live = auto.targets().find((t) => t.targetInfo.targetId === popup.info.targetId);
    expect(live?.targetInfo.url).toBe(`${fixtures.origin}/popup`); // kept current by Target.targetInfoChanged

    await conn.send('Target.closeTarget', { targetId: popup.info.targetId });
    await eventually('popup detached', () => (popup.detached ? true : undefined));
    expect(auto.targets().some((t) => t.targetInfo.targetId === popup.info.targetId)).toBe(false);
  });

  it('Page.navigate reaches the load lifecycle event of that navigation, its request seen', async () => {
    const { targetId } = await conn.send('Target.createTarget', { url: 'about:blank' });
    const page = await attachedTo(targetId);
    const { session } = page;
    const load = waitForEvent(session, 'Page.lifecycleEvent', {
      predicate: (e) => e.name === 'load' && e.frameId === targetId && e.loaderId !== '',
      timeoutMs: 10_000,
    });
    const nav = await session.send('Page.navigate', { url: `${fixtures.origin}/page-two` });
    expect(nav.errorText).toBeUndefined();
    expect(nav.frameId).toBe(targetId);
    const event = await load;
    expect(event.loaderId).toBe(nav.loaderId);
    expect(page.requests).toContain(`${fixtures.origin}/page-two`);
  });

  it('reads navigator.webdriver and the title through an isolated world, invisible to the main world', async () => {
    const { targetId } = await conn.send('Target.createTarget', { url: `${fixtures.origin}/page-two` });
    const page = await attachedTo(targetId);
    await loaded(page);
    const world = await createIsolatedWorld(page.session);
    expect(world.frameId).toBe(targetId);
    const read = await world.evaluate<{ webdriver: boolean; title: string }>(
      '(window.__nightglowProbe = 1, { webdriver: navigator.webdriver, title: document.title })',
    );
    expect(read).toEqual({ webdriver: true, title: 'page two' });
    // the main world (default context, no Runtime.enable needed) sees neither the world's global ...
    const main = await page.session.send('Runtime.evaluate', { expression: 'typeof window.__nightglowProbe' });
    expect(main.result.value).toBe('undefined');
    // ... while both see the same DOM
    expect(await world.evaluate('document.querySelector("p").textContent')).toBe('two');
  });
});

describe('pipelined resume against real Chromium', () => {
  let chromium: ChromiumBrowser;
  let fixtures: FixtureServer;
  let conn: CdpConnection;
  let auto: AutoAttach;
  const seen = new Map<string, Seen>();

  beforeAll(async () => {
    fixtures = await startFixtureServer();
    chromium = await launchChromium();
    conn = await connectBrowser(chromium.wsEndpoint);
    auto = await startAutoAttach(conn, {
      resume: 'pipelined',
      // listeners first, then the commands, unawaited until the resume has gone out behind them
      onAttached: async (info, session) => {
        const page: Seen = { info, session, requests: [], lifecycle: [], detached: false };
        session.on('Network.requestWillBeSent', (e) => page.requests.push(e.request.url));
        session.on('Page.lifecycleEvent', (e) => page.lifecycle.push(e.name));
        seen.set(info.targetId, page);
        await Promise.all([
          session.send('Page.enable'),
          session.send('Page.setLifecycleEventsEnabled', { enabled: true }),
          session.send('Network.enable'),
        ]);
      },
    });
  });
  afterAll(async () => {
    await auto?.stop();
    await conn?.close();
    await chromium?.stop();
    await fixtures?.close();
  });

  it('a popup resumed right behind its setup commands still has its document request and lifecycle seen', async () => {
    const { targetId: openerId } = await conn.send('Target.createTarget', { url: `${fixtures.origin}/opener` });
    const opener = await eventually('the opener', () => seen.get(openerId));
    await eventually('the opener to load', () => (opener.lifecycle.includes('load') ? true : undefined));
    for (let i = 0; i < 3; i++) {
      const before = new Set(seen.keys());
      await evaluateIsolated(opener.session, 'document.getElementById("open").click()', { userGesture: true });
      const popup = await eventually('the popup', () => [...seen.values()].find((p) => !before.has(p.info.targetId)));
      await eventually('the popup to load', () => (popup.lifecycle.includes('load') ? true : undefined));
      expect(popup.requests[0]).toBe(`${fixtures.origin}/popup`); // nothing of the page ran before the domains were on
      expect(popup.lifecycle).toEqual(expect.arrayContaining(['init', 'DOMContentLoaded', 'load']));
      await conn.send('Target.closeTarget', { targetId: popup.info.targetId });
    }
  });
});

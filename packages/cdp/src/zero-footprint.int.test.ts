import { launchChromium, type ChromiumBrowser } from '@nightglow/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAutoAttach, type AutoAttach } from './auto-attach.js';
import { connectBrowser } from './browser.js';
import type { CdpConnection, CdpSession } from './connection.js';
import { evaluateIsolated } from './isolated-world.js';
import { eventually, startFixtureServer, type FixtureServer } from './testing/fixture-server.js';

/** The probe's verdict and tick count, read from document.title through an isolated world. */
async function readProbe(session: CdpSession): Promise<{ verdict: string; ticks: number }> {
  const title = await evaluateIsolated<string>(session, 'document.title');
  const match = /^probe:(.+):(\d+)$/.exec(title);
  if (match === null) return { verdict: title, ticks: 0 };
  return { verdict: match[1] ?? '', ticks: Number(match[2]) };
}

/** Waits until the probe has logged `ticks` more errors to the console than it had when called. */
async function probeAfterMoreTicks(session: CdpSession, ticks: number): Promise<string> {
  const start = (await readProbe(session)).ticks;
  return eventually(`${ticks} probe ticks`, async () => {
    const now = await readProbe(session);
    return now.ticks >= start + ticks ? now.verdict : undefined;
  });
}

describe('zero footprint: the page cannot see the instrumentation', () => {
  let chromium: ChromiumBrowser;
  let fixtures: FixtureServer;
  let conn: CdpConnection;
  let auto: AutoAttach;
  const sessions = new Map<string, CdpSession>();
  const sent: string[] = [];

  beforeAll(async () => {
    fixtures = await startFixtureServer();
    chromium = await launchChromium();
    conn = await connectBrowser(chromium.wsEndpoint);
    auto = await startAutoAttach(conn, {
      // the sidecar's domains, enabled before the page runs a line of script
      onAttached: async (info, session) => {
        const send = async (method: string, params: Record<string, unknown> = {}): Promise<void> => {
          sent.push(method);
          await session.send(method, params);
        };
        await send('Page.enable');
        await send('Page.setLifecycleEventsEnabled', { enabled: true });
        await send('Network.enable');
        await send('Performance.enable');
        await send('PerformanceTimeline.enable', { eventTypes: ['largest-contentful-paint', 'layout-shift'] });
        sessions.set(info.targetId, session);
      },
    });
  });
  afterAll(async () => {
    await auto?.stop();
    await conn?.close();
    await chromium?.stop();
    await fixtures?.close();
  });

  const openProbe = async (tag: string): Promise<CdpSession> => {
    const { targetId } = await conn.send('Target.createTarget', { url: `${fixtures.origin}/probe?${tag}` });
    return eventually(`attach of the ${tag} probe`, () => sessions.get(targetId));
  };

  it('with auto-attach, Page, Network, Performance, PerformanceTimeline and isolated worlds, the probe stays clean', async () => {
    const session = await openProbe('attached');
    expect(await probeAfterMoreTicks(session, 10)).toBe('clean');
    // what the sidecar measures and reads, while the probe keeps logging
    await session.send('Performance.getMetrics');
    await session.send('Memory.getDOMCounters');
    expect(await evaluateIsolated(session, 'navigator.webdriver')).toBe(true);
    expect(await probeAfterMoreTicks(session, 10)).toBe('clean');
    expect(sent).not.toContain('Runtime.enable');
  });

  it('control: Runtime.enable on the same kind of page makes the probe fire (so the check above can fail)', async () => {
    const clean = await openProbe('clean-neighbour');
    const control = await openProbe('control');
    expect(await probeAfterMoreTicks(control, 5)).toBe('clean');
    await control.send('Runtime.enable');
    const verdict = await eventually('the probe to fire', async () => {
      const now = await readProbe(control);
      return now.verdict.startsWith('fired') ? now.verdict : undefined;
    });
    expect(verdict).toBe('fired:pst-get');
    // Runtime.enable is per session: the neighbour tab stays clean (a background tab: its timers run at ~1 Hz)
    expect(await probeAfterMoreTicks(clean, 2)).toBe('clean');
  });
});

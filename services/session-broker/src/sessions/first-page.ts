/**
 * A session's first page: a seat on a browser (least-loaded placement), then
 * either a fresh browser context with an `about:blank` page (CONTEXT) or the
 * dedicated browser's own first page (BROWSER), with the session's emulation
 * registered so every later page of the session gets it too.
 */
import type { CdpSession } from '@nightglow/cdp';
import { WHOLE_BROWSER } from '../browsers/browser-agent.js';
import { applyEmulation, type PageEmulation } from '../browsers/page-setup.js';
import type { BrowserFleet } from '../pools/browser-fleet.js';
import type { EffectiveOptions, SessionRecord } from './record.js';

/** Where the session landed. */
export type Placed = { readonly browserId: string; readonly contextId: string };

/** The opened page and what the session needs to remember. */
export type OpenedPage = {
  readonly targetId: string;
  readonly session: CdpSession;
  readonly sidecarAddress: string;
};

/** The emulation of a session's pages, from its effective options. */
export function emulationOf(o: EffectiveOptions): PageEmulation {
  return { viewport: o.viewport, userAgent: o.userAgent, locale: o.locale, timezoneId: o.timezoneId };
}

/**
 * Places session `r` and opens its first page. `onPlaced` is told the browser (and then
 * the context) as soon as each exists, so a concurrent close can clean them up.
 */
export async function openSessionPage(
  fleet: BrowserFleet,
  r: SessionRecord,
  onPlaced: (placed: Placed) => void,
): Promise<OpenedPage> {
  const browser = await fleet.place(r.id, r.effective.isolation, r.effective.proxyServer);
  onPlaced({ browserId: browser.id, contextId: '' });
  const agent = await browser.ready;
  const emulation = emulationOf(r.effective);
  const sidecarAddress = browser.endpoint?.sidecarAddress ?? '';
  if (r.effective.isolation === 'CONTEXT') {
    const contextId = await agent.createContext(r.effective.proxyServer);
    onPlaced({ browserId: browser.id, contextId });
    agent.setEmulation(contextId, emulation);
    return { ...(await agent.openPage(contextId)), sidecarAddress };
  }
  agent.setEmulation(WHOLE_BROWSER, emulation);
  const existing = agent.pages(undefined)[0];
  if (existing === undefined) return { ...(await agent.openPage(undefined)), sidecarAddress };
  const session = await agent.pageSession(existing.info.targetId);
  await applyEmulation(session, emulation, agent.userAgent); // it was attached before the emulation existed
  return { targetId: existing.info.targetId, session, sidecarAddress };
}

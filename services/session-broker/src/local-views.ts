/**
 * How the owner of a session reaches its browser: for the CDP proxy (the
 * browser's WebSocket and the confinement scope) and for the screencast (the
 * broker's own connection and the session's pages). Undefined when this
 * replica does not own the session or the browser is gone.
 */
import type { BrowserAgent } from './browsers/browser-agent.js';
import type { ManagedBrowser } from './pools/browser-fleet.js';
import type { PoolRegistry } from './pools/pool-registry.js';
import type { LocalTarget } from './proxy/upgrade-handler.js';
import type { LocalBrowserView } from './screencast/screencast.js';
import type { SessionRecord } from './sessions/record.js';
import type { SessionHost } from './sessions/session-host.js';

type Located = { readonly browser: ManagedBrowser; readonly agent: BrowserAgent };

function locate(pools: PoolRegistry, host: SessionHost, r: SessionRecord): Located | undefined {
  if (!host.owns(r.id) || r.browserId === '') return undefined;
  const browser = pools.find(r.pool)?.fleet.get(r.browserId);
  if (browser?.agent === undefined || browser.endpoint === undefined) return undefined;
  return { browser, agent: browser.agent };
}

/** The proxy's view: where to bridge a client of session `r`. */
export function localTargetOf(pools: PoolRegistry, host: SessionHost): (r: SessionRecord) => LocalTarget | undefined {
  return (r) => {
    const found = locate(pools, host, r);
    if (found?.browser.endpoint === undefined) return undefined;
    return {
      wsUrl: found.browser.endpoint.wsUrl,
      headers: found.browser.endpoint.headers,
      scope: {
        isolation: r.effective.isolation,
        contextId: r.browserContextId,
        lookupContext: (targetId) => found.agent.contextOf(targetId),
      },
    };
  };
}

/** The screencast's view: the broker's connection and the session's pages, most recently active first. */
export function localBrowserViewOf(
  pools: PoolRegistry,
  host: SessionHost,
): (r: SessionRecord) => LocalBrowserView | undefined {
  return (r) => {
    const found = locate(pools, host, r);
    if (found === undefined) return undefined;
    const context = r.effective.isolation === 'CONTEXT' ? r.browserContextId : undefined;
    return {
      connection: found.agent.connection,
      pages: () => found.agent.pages(context).map((p) => p.info.targetId),
    };
  };
}

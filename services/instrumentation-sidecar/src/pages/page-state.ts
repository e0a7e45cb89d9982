/**
 * What the sidecar knows about one page, folded from CDP events: the current
 * navigation's timings (TTFB, FCP, LCP, CLS, DOMContentLoaded, load, relative
 * to the navigation start), its network counters, URL transitions, and the
 * recently failed requests (for error snapshots). Pure state: `page-watcher.ts`
 * feeds it, the readers read it.
 */
import type { CdpSession } from '@nightglow/cdp';

/** A failed request, kept for error snapshots (30 s, at most 20). */
export type FailedRequestRecord = {
  readonly url: string;
  readonly method: string;
  readonly statusCode: number;
  readonly errorText: string;
  readonly resourceType: string;
  readonly timeMs: number;
};

/** The current navigation of a page. Times are ms since its start; undefined until seen. */
export type NavigationState = {
  loaderId: string;
  /** The document URL (empty until known: the page's URL then stands in). */
  url: string;
  /** Monotonic CDP time (s) and wall time (s since epoch) of the navigation start. */
  startTs: number;
  startWall: number;
  ttfbMs: number | undefined;
  fcpMs: number | undefined;
  lcpMs: number | undefined;
  cls: number;
  dclMs: number | undefined;
  loadMs: number | undefined;
  requests: number;
  failed: number;
  bytes: number;
  connections: Set<number>;
  inflight: Set<string>;
  /** Instruments that already reported a once-per-navigation timing of this navigation. */
  reported: Set<string>;
};

/** One attached page target. */
export type PageState = {
  readonly targetId: string;
  readonly session: CdpSession;
  browserContextId: string;
  mainFrameId: string;
  url: string;
  title: string;
  urlTransitions: number;
  /**
   * Sidecar time (ms) the main frame started loading; undefined once it stopped.
   * Interval reads that talk to the page wait for the load (see the sampler).
   */
  loadingSinceMs: number | undefined;
  nav: NavigationState;
  /** Recent navigations by loader id (at most 4). */
  readonly navigations: Map<string, NavigationState>;
  /** requestId → the navigation it belongs to, so late events of an old page are ignored. */
  readonly requests: Map<string, { nav: NavigationState; url: string; method: string; type: string }>;
  readonly recentFailures: FailedRequestRecord[];
};

/** A fresh navigation starting at monotonic `ts` / wall `wall` seconds. */
export function newNavigation(loaderId: string, ts: number, wall: number): NavigationState {
  return {
    loaderId,
    url: '',
    startTs: ts,
    startWall: wall,
    ttfbMs: undefined,
    fcpMs: undefined,
    lcpMs: undefined,
    cls: 0,
    dclMs: undefined,
    loadMs: undefined,
    requests: 0,
    failed: 0,
    bytes: 0,
    connections: new Set(),
    inflight: new Set(),
    reported: new Set(),
  };
}

/** A page just attached, with an empty navigation. */
export function newPageState(init: {
  targetId: string;
  session: CdpSession;
  browserContextId: string;
  url: string;
  nowMs: number;
}): PageState {
  return {
    targetId: init.targetId,
    session: init.session,
    browserContextId: init.browserContextId,
    mainFrameId: init.targetId,
    url: init.url,
    title: '',
    urlTransitions: 0,
    loadingSinceMs: undefined,
    nav: newNavigation('', 0, init.nowMs / 1000),
    navigations: new Map(),
    requests: new Map(),
    recentFailures: [],
  };
}

/**
 * Makes `loaderId` the page's current navigation: the one already seen under that
 * loader (a late `init` must not erase what its document request taught), else
 * a new one starting at `ts` / `wall`.
 */
export function switchNavigation(page: PageState, loaderId: string, ts: number, wall: number): void {
  let nav = page.navigations.get(loaderId);
  if (nav === undefined) {
    nav = newNavigation(loaderId, ts, wall);
    page.navigations.set(loaderId, nav);
    if (page.navigations.size > 4) page.navigations.delete(page.navigations.keys().next().value ?? '');
  }
  page.nav = nav;
}

/** Remembers a failed request; keeps the last 20 of the last 30 s. */
export function recordFailure(page: PageState, failure: FailedRequestRecord): void {
  page.recentFailures.push(failure);
  const horizon = failure.timeMs - 30_000;
  while (page.recentFailures.length > 20 || (page.recentFailures[0]?.timeMs ?? Infinity) < horizon) {
    page.recentFailures.shift();
  }
}

/** Rounds ms to microseconds (CDP times are float seconds). */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** Milliseconds from the navigation start to monotonic CDP time `ts` (seconds). */
export function sinceStart(nav: NavigationState, ts: number): number {
  return roundMs(Math.max(0, (ts - nav.startTs) * 1000));
}

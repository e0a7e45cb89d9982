/**
 * Folds one page's CDP events into its {@link PageState} and reports the page
 * events instruments trigger on. Only events of domains the sidecar enabled
 * (Page, Network, PerformanceTimeline) are heard; nothing here talks back to
 * the page.
 */
import { PageEvent } from '@nightglow/contracts/instrumentation/v1';
import { recordFailure, switchNavigation, roundMs, sinceStart, type PageState } from './page-state.js';

type Timing = { requestTime: number; receiveHeadersStart?: number; receiveHeadersEnd: number };
type RequestSent = {
  requestId: string;
  loaderId: string;
  frameId?: string;
  type?: string;
  timestamp: number;
  wallTime: number;
  request: { url: string; method: string };
};
type Response = { requestId: string; response: { status: number; connectionId?: number; timing?: Timing } };
type Finished = { requestId: string; encodedDataLength: number };
type Failed = { requestId: string; errorText: string; canceled?: boolean };
type Lifecycle = { frameId: string; loaderId: string; name: string; timestamp: number };
type Timeline = {
  event: {
    frameId: string;
    type: string;
    lcpDetails?: { renderTime?: number; loadTime?: number };
    layoutShiftDetails?: { value: number; hadRecentInput: boolean };
  };
};

/** Starts watching `page`; `onEvent` hears each trigger-worthy page event. Returns the unsubscribe function. */
export function watchPage(
  page: PageState,
  onEvent: (page: PageState, event: PageEvent) => void,
  nowMs: () => number,
): () => void {
  const s = page.session;
  const fire = (event: PageEvent): void => onEvent(page, event);
  const fail = (id: string, statusCode: number, errorText: string): void => {
    const req = page.requests.get(id);
    if (req === undefined) return;
    req.nav.failed += 1;
    recordFailure(page, {
      url: req.url,
      method: req.method,
      statusCode,
      errorText,
      resourceType: req.type,
      timeMs: nowMs(),
    });
  };
  const offs = [
    s.on('Network.requestWillBeSent', (p) => {
      const e = p as unknown as RequestSent;
      const isMainDocument =
        e.type === 'Document' &&
        e.requestId === e.loaderId &&
        (e.frameId === page.mainFrameId || e.frameId === undefined);
      if (isMainDocument && page.nav.loaderId !== e.loaderId)
        switchNavigation(page, e.loaderId, e.timestamp, e.wallTime);
      if (isMainDocument && page.nav.url === '') page.nav.url = e.request.url;
      if (!page.requests.has(e.requestId)) page.nav.requests += 1;
      page.requests.set(e.requestId, {
        nav: page.nav,
        url: e.request.url,
        method: e.request.method,
        type: e.type ?? 'Other',
      });
      page.nav.inflight.add(e.requestId);
    }),
    s.on('Network.responseReceived', (p) => {
      const e = p as unknown as Response;
      const req = page.requests.get(e.requestId);
      if (req === undefined) return;
      if (e.response.connectionId !== undefined && e.response.connectionId > 0)
        req.nav.connections.add(e.response.connectionId);
      const t = e.response.timing;
      if (e.requestId === req.nav.loaderId && t !== undefined && req.nav.ttfbMs === undefined) {
        req.nav.ttfbMs = roundMs(sinceStart(req.nav, t.requestTime) + (t.receiveHeadersStart ?? t.receiveHeadersEnd));
      }
      if (e.response.status >= 400) fail(e.requestId, e.response.status, '');
    }),
    s.on('Network.loadingFinished', (p) => {
      const e = p as unknown as Finished;
      const req = page.requests.get(e.requestId);
      if (req !== undefined) req.nav.bytes += e.encodedDataLength;
      req?.nav.inflight.delete(e.requestId);
      page.requests.delete(e.requestId);
    }),
    s.on('Network.loadingFailed', (p) => {
      const e = p as unknown as Failed;
      fail(e.requestId, 0, e.errorText);
      page.requests.get(e.requestId)?.nav.inflight.delete(e.requestId);
      page.requests.delete(e.requestId);
    }),
    s.on('Page.lifecycleEvent', (p) => {
      const e = p as unknown as Lifecycle;
      if (e.frameId !== page.mainFrameId) return;
      if (e.name === 'init' && e.loaderId !== page.nav.loaderId)
        switchNavigation(page, e.loaderId, e.timestamp, nowMs() / 1000);
      if (e.name === 'firstContentfulPaint') page.nav.fcpMs = sinceStart(page.nav, e.timestamp);
      if (e.name === 'DOMContentLoaded') page.nav.dclMs ??= sinceStart(page.nav, e.timestamp);
      fire(PageEvent.LIFECYCLE);
    }),
    s.on('Page.frameStartedLoading', (p) => {
      if ((p as { frameId: string }).frameId === page.mainFrameId) page.loadingSinceMs ??= nowMs();
    }),
    s.on('Page.frameStoppedLoading', (p) => {
      if ((p as { frameId: string }).frameId === page.mainFrameId) page.loadingSinceMs = undefined;
    }),
    s.on('Page.domContentEventFired', (p) => {
      page.nav.dclMs ??= sinceStart(page.nav, (p as { timestamp: number }).timestamp);
      fire(PageEvent.DOMCONTENTLOADED);
    }),
    s.on('Page.loadEventFired', (p) => {
      page.nav.loadMs = sinceStart(page.nav, (p as { timestamp: number }).timestamp);
      page.loadingSinceMs = undefined;
      fire(PageEvent.LOAD);
    }),
    s.on('Page.frameNavigated', (p) => {
      const frame = (p as { frame: { id: string; parentId?: string; url: string } }).frame;
      if (frame.parentId !== undefined) return;
      page.mainFrameId = frame.id;
      if (frame.url !== page.url) page.urlTransitions += 1;
      page.url = frame.url;
      page.nav.url = frame.url;
      fire(PageEvent.NAVIGATION);
    }),
    s.on('Page.navigatedWithinDocument', (p) => {
      const e = p as { frameId: string; url: string };
      if (e.frameId !== page.mainFrameId || e.url === page.url) return;
      page.urlTransitions += 1;
      page.url = e.url;
      page.nav.url = e.url;
      fire(PageEvent.NAVIGATION);
    }),
    s.on('PerformanceTimeline.timelineEventAdded', (p) => {
      const { event } = p as unknown as Timeline;
      if (event.frameId !== page.mainFrameId) return;
      const lcp = event.lcpDetails;
      if (event.type === 'largest-contentful-paint' && lcp !== undefined) {
        const at = lcp.renderTime || lcp.loadTime || 0;
        if (at > 0) page.nav.lcpMs = roundMs(Math.max(0, (at - page.nav.startWall) * 1000));
      }
      const shift = event.layoutShiftDetails;
      if (event.type === 'layout-shift' && shift !== undefined && !shift.hadRecentInput) page.nav.cls += shift.value;
      fire(PageEvent.TIMELINE);
    }),
  ];
  return () => offs.forEach((off) => off());
}

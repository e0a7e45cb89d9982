/**
 * Test helper: a fake browser (from `@nightglow/cdp/testing`) scripted as one
 * Chromium with page targets, answering the commands the sidecar sends and
 * emitting the events of a page load with known timings. Not part of the
 * service's surface.
 */
import { createCdpConnection, type CdpConnection } from '@nightglow/cdp';
import { createFakeBrowser, type FakeBrowser } from '@nightglow/cdp/testing';

/** The detection probe the fake's isolated world answers with. */
export const FAKE_PROBE = {
  webdriver: true,
  userAgent: 'Mozilla/5.0 HeadlessChrome/156.0.0.0 Safari/537.36',
  permission: 'prompt',
  notification: 'denied',
  renderer: 'Google SwiftShader',
  plugins: 0,
};

/** A fake browser whose auto-attach reports page `T1` in context `C1` (session `S1`). */
export function fakeChromium(): { browser: FakeBrowser; connect: () => Promise<CdpConnection> } {
  const browser = createFakeBrowser();
  browser.handle('Target.setAutoAttach', (c, b) => {
    if (c.sessionId === undefined && c.params?.['autoAttach'] === true) {
      const targetInfo = {
        targetId: 'T1',
        type: 'page',
        title: '',
        url: 'about:blank',
        attached: true,
        browserContextId: 'C1',
      };
      b.emit('Target.attachedToTarget', { sessionId: 'S1', targetInfo, waitingForDebugger: false });
    }
    return undefined;
  });
  browser.handle('Memory.getDOMCounters', () => ({ result: { documents: 1, nodes: 1234, jsEventListeners: 3 } }));
  browser.handle('Performance.getMetrics', () => ({
    result: { metrics: [{ name: 'JSHeapUsedSize', value: 5_000_000 }] },
  }));
  browser.handle('Page.getFrameTree', () => ({
    result: { frameTree: { frame: { id: 'T1', loaderId: 'L1', url: 'http://x/' } } },
  }));
  browser.handle('Page.createIsolatedWorld', () => ({ result: { executionContextId: 7 } }));
  browser.handle('Runtime.evaluate', (c) => ({
    result: {
      result: { type: 'object', value: c.params?.['expression'] === 'document.title' ? 'Broken page' : FAKE_PROBE },
    },
  }));
  browser.handle('Page.captureScreenshot', () => ({ result: { data: Buffer.from('png-bytes').toString('base64') } }));
  return { browser, connect: () => Promise.resolve(createCdpConnection(browser.transport)) };
}

/**
 * Emits a page load on session `S1`: document (TTFB 250 ms, 5 000 bytes), one
 * image failing with 404 (100 bytes), FCP at 400 ms, LCP at 600 ms, a layout
 * shift of 0.2, DOMContentLoaded at 700 ms, load at 900 ms. The document's
 * loader (and request) id is `loaderId`.
 */
export function emitPageLoad(browser: FakeBrowser, url = 'http://127.0.0.1/page', loaderId = 'L2'): void {
  const s = 'S1';
  const t0 = 100;
  const wall = 1_700_000_000;
  browser.emit(
    'Network.requestWillBeSent',
    {
      requestId: loaderId,
      loaderId,
      frameId: 'T1',
      type: 'Document',
      timestamp: t0,
      wallTime: wall,
      request: { url, method: 'GET' },
    },
    s,
  );
  browser.emit(
    'Network.responseReceived',
    {
      requestId: loaderId,
      response: { status: 200, connectionId: 11, timing: { requestTime: t0 + 0.01, receiveHeadersEnd: 240 } },
    },
    s,
  );
  browser.emit('Page.frameNavigated', { frame: { id: 'T1', loaderId, url } }, s);
  browser.emit('Network.loadingFinished', { requestId: loaderId, encodedDataLength: 5000 }, s);
  browser.emit(
    'Network.requestWillBeSent',
    {
      requestId: 'R3',
      loaderId,
      frameId: 'T1',
      type: 'Image',
      timestamp: t0 + 0.3,
      wallTime: wall + 0.3,
      request: { url: `${url}/img.png`, method: 'GET' },
    },
    s,
  );
  browser.emit('Network.responseReceived', { requestId: 'R3', response: { status: 404, connectionId: 12 } }, s);
  browser.emit('Network.loadingFinished', { requestId: 'R3', encodedDataLength: 100 }, s);
  browser.emit(
    'Page.lifecycleEvent',
    { frameId: 'T1', loaderId, name: 'firstContentfulPaint', timestamp: t0 + 0.4 },
    s,
  );
  browser.emit(
    'PerformanceTimeline.timelineEventAdded',
    {
      event: {
        frameId: 'T1',
        type: 'largest-contentful-paint',
        name: '',
        time: wall + 0.6,
        lcpDetails: { renderTime: wall + 0.6, loadTime: 0, size: 5000 },
      },
    },
    s,
  );
  browser.emit(
    'PerformanceTimeline.timelineEventAdded',
    {
      event: {
        frameId: 'T1',
        type: 'layout-shift',
        name: '',
        time: wall + 0.65,
        layoutShiftDetails: { value: 0.2, hadRecentInput: false },
      },
    },
    s,
  );
  browser.emit('Page.domContentEventFired', { timestamp: t0 + 0.7 }, s);
  browser.emit('Page.loadEventFired', { timestamp: t0 + 0.9 }, s);
}

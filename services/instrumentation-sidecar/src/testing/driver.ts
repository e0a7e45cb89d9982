/**
 * Test helper: plays the broker and the executor against a real Chromium over
 * its own CDP connection — creates a browser context and pages in it, and
 * navigates them (what puppeteer's `newPage()` + `goto()` does). It may use the
 * Runtime domain freely: it is the automation, not the instrumentation. Not
 * part of the service's surface.
 */
import { connectBrowser, evaluateIsolated, waitForEvent, type CdpConnection, type CdpSession } from '@nightglow/cdp';
import { eventually as poll } from '@nightglow/runtime/testing';

/** A page the driver opened. */
export type DriverPage = {
  readonly targetId: string;
  readonly session: CdpSession;
  /** Navigates and resolves at the page's `load` event. */
  goto(url: string, timeoutMs?: number): Promise<void>;
  /** `document.title`, read through an isolated world. */
  title(): Promise<string>;
  close(): Promise<void>;
};

/** The driver. */
export type Driver = {
  readonly connection: CdpConnection;
  /** A new browser context id (a session's isolation). */
  newContext(): Promise<string>;
  /** Opens `about:blank` in `browserContextId` and attaches to it. */
  newPage(browserContextId?: string): Promise<DriverPage>;
  close(): Promise<void>;
};

/** Connects a driver to the browser at `wsEndpoint`. */
export async function connectDriver(wsEndpoint: string): Promise<Driver> {
  const connection = await connectBrowser(wsEndpoint, { commandTimeoutMs: 15_000 });
  return {
    connection,
    async newContext() {
      return (await connection.send('Target.createBrowserContext', {})).browserContextId;
    },
    async newPage(browserContextId) {
      const { targetId } = await connection.send('Target.createTarget', {
        url: 'about:blank',
        ...(browserContextId === undefined ? {} : { browserContextId }),
      });
      const { sessionId } = await connection.send('Target.attachToTarget', { targetId, flatten: true });
      const session = connection.session(sessionId);
      await session.send('Page.enable');
      return {
        targetId,
        session,
        async goto(url, timeoutMs = 15_000) {
          const loaded = waitForEvent(session, 'Page.loadEventFired', { timeoutMs });
          await session.send('Page.navigate', { url });
          await loaded;
        },
        title: () => evaluateIsolated<string>(session, 'document.title'),
        close: async () => void (await connection.send('Target.closeTarget', { targetId })),
      };
    },
    close: () => connection.close(),
  };
}

/** Polls `probe` until it returns something other than undefined; throws after `timeoutMs` (the runtime's). */
export function eventually<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  return poll(what, probe, { timeoutMs });
}

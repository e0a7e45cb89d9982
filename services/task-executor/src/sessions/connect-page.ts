/**
 * Connects puppeteer-core to a session's CDP endpoint and picks the page a
 * task drives: the first page of the session's browser context (a new one if
 * it has none; never a page of another context). Disconnecting leaves the session's browser and pages alone.
 */
import { connect, type Browser, type BrowserContext, type Page, type Target } from 'puppeteer-core';
import { ExecutorError } from '../errors.js';
import type { AcquiredSession } from './port.js';

/** A page of a session, connected. */
export type ConnectedPage = {
  readonly page: Page;
  readonly browser: Browser;
  /** CDP target id of the page, for phase marks. */
  readonly targetId: string;
  /** Disconnects (never closes the browser). */
  disconnect(): Promise<void>;
};

function contextOf(browser: Browser, id: string): BrowserContext {
  if (id === '') return browser.defaultBrowserContext();
  return browser.browserContexts().find((c) => c.id === id) ?? browser.defaultBrowserContext();
}

/** Connects to `session` and returns its page; UNAVAILABLE when the endpoint refuses. */
export async function connectPage(session: AcquiredSession, protocolTimeoutMs = 60_000): Promise<ConnectedPage> {
  const browser = await connect({
    browserWSEndpoint: session.endpoint.wsEndpoint,
    headers: { ...session.endpoint.headers },
    defaultViewport: null,
    protocolTimeout: protocolTimeoutMs,
    // Attach only to the session's own context: with the whole browser visible (direct source) puppeteer
    // would attach to every other task's pages too, which costs time on every connect.
    ...(session.browserContextId === ''
      ? {}
      : { targetFilter: (t: Target) => t.type() === 'browser' || t.browserContext().id === session.browserContextId }),
  }).catch((e: unknown) => {
    throw new ExecutorError(
      'UNAVAILABLE',
      `could not connect to session ${session.sessionId}: ${(e as Error).message}`,
      { cause: e },
    );
  });
  try {
    const ctx = contextOf(browser, session.browserContextId);
    const page = (await ctx.pages())[0] ?? (await ctx.newPage());
    const target = page.target() as unknown as { _targetId?: string };
    return {
      page,
      browser,
      targetId: target._targetId ?? '',
      disconnect: () => browser.disconnect().catch(() => undefined),
    };
  } catch (e) {
    await browser.disconnect().catch(() => undefined);
    throw new ExecutorError('UNAVAILABLE', `session ${session.sessionId} has no usable page: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

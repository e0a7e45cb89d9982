/**
 * A {@link SessionProvider} over one Chromium the caller launched (the
 * all-in-one without a broker, and tests): each ephemeral session is a fresh
 * browser context, closed on release; `openSession` makes a long-lived one
 * that tasks can name by id. The same puppeteer connect path as with the
 * broker, minus the proxy and token.
 */
import { randomUUID } from 'node:crypto';
import { connect, type Browser, type BrowserContext } from 'puppeteer-core';
import { ExecutorError } from '../errors.js';
import type { AcquiredSession, SessionProvider } from './port.js';

/** The direct provider, with test helpers to open sessions and see which are alive. */
export type DirectSessionProvider = SessionProvider & {
  /** Opens a long-lived session (a browser context) and returns its id. */
  openSession(): Promise<string>;
  /** Closes a session opened with {@link openSession}. */
  closeSession(id: string): Promise<void>;
  /** Ids of every session alive now (ephemeral ones included). */
  liveSessions(): string[];
};

/** Creates a provider over the browser at `wsEndpoint`; `pool` names it in tasks (default `local`). */
export async function createDirectSessionProvider(wsEndpoint: string, pool = 'local'): Promise<DirectSessionProvider> {
  const browser: Browser = await connect({ browserWSEndpoint: wsEndpoint, defaultViewport: null });
  const sessions = new Map<string, { ctx: BrowserContext; ephemeral: boolean }>();
  const handOut = (id: string, ctx: BrowserContext, ephemeral: boolean): AcquiredSession => ({
    sessionId: id,
    pool,
    ephemeral,
    sidecarAddress: '',
    browserContextId: ctx.id ?? '',
    endpoint: { wsEndpoint, headers: {} },
  });
  // The context starts without a page: the runner opens one on its own connection (initializing a page on
  // this connection too would cost a second attach).
  const open = async (ephemeral: boolean): Promise<string> => {
    const ctx = await browser.createBrowserContext();
    const id = `local-${randomUUID()}`;
    sessions.set(id, { ctx, ephemeral });
    return id;
  };
  return {
    check: async (id) => {
      if (!sessions.has(id)) throw ExecutorError.notFound('session', id);
    },
    async acquire(req) {
      if (req.session.case === 'sessionId') {
        const s = sessions.get(req.session.value);
        if (!s) throw ExecutorError.notFound('session', req.session.value);
        return handOut(req.session.value, s.ctx, false);
      }
      const id = await open(true);
      const s = sessions.get(id);
      if (!s) throw new ExecutorError('UNAVAILABLE', 'session vanished');
      return handOut(id, s.ctx, true);
    },
    async release(s) {
      if (!s.ephemeral) return;
      const held = sessions.get(s.sessionId);
      sessions.delete(s.sessionId);
      await held?.ctx.close().catch(() => undefined);
    },
    openSession: () => open(false),
    async closeSession(id) {
      const held = sessions.get(id);
      sessions.delete(id);
      await held?.ctx.close().catch(() => undefined);
    },
    liveSessions: () => [...sessions.keys()],
    async close() {
      for (const id of [...sessions.keys()])
        await sessions
          .get(id)
          ?.ctx.close()
          .catch(() => undefined);
      sessions.clear();
      await browser.disconnect();
    },
  };
}

/**
 * The sidecar's hold on its browser: one raw CDP connection, flat auto-attach
 * to every page (existing, new, popups), and per page only `Page`, `Network`,
 * `Performance` and `PerformanceTimeline` — never `Runtime.enable`. Listeners
 * are in place before the domains are enabled, and a new page (held by
 * auto-attach) is resumed by a `Runtime.runIfWaitingForDebugger` pipelined right
 * behind the enable commands on the same session: Chromium runs them in order,
 * so nothing of the page is missed, and the page waits for no round trip.
 *
 * Lifecycle: `CONNECTING` (no browser yet, retrying with backoff) → `ATTACHED`
 * → `CONNECTING` again when the browser connection drops → `STOPPED` (`stop()`).
 */
import {
  startAutoAttach,
  type AutoAttach,
  type CdpConnection,
  type CdpError,
  type CdpSession,
  type TargetInfo,
} from '@nightglow/cdp';
import type { PageEvent } from '@nightglow/contracts/instrumentation/v1';
import type { Clock } from '@nightglow/runtime';
import { newPageState, type PageState } from './page-state.js';
import { watchPage } from './page-watcher.js';

/** The lifecycle states; see the module comment. */
export type BrowserAttachState = 'CONNECTING' | 'ATTACHED' | 'STOPPED';

/** Timeline entry types the sidecar asks PerformanceTimeline for. */
export const TIMELINE_EVENT_TYPES = ['largest-contentful-paint', 'layout-shift'] as const;

/** Inputs of {@link createBrowserAttach}. */
export type BrowserAttachOptions = {
  /** The CDP connection port: connects to the browser (the real one: `connectBrowser(CDP_URL)`). */
  readonly connect: () => Promise<CdpConnection>;
  readonly clock: Clock;
  readonly onPageEvent: (page: PageState, event: PageEvent) => void;
  /** Called when a page comes or goes (metrics, detection cache). */
  readonly onPagesChanged?: (page: PageState, attached: boolean) => void;
  readonly onError?: (error: unknown, what: string) => void;
  /** Per-command timeout during page setup, ms. */
  readonly commandTimeoutMs: number;
};

/** A running attachment. */
export type BrowserAttach = {
  state(): BrowserAttachState;
  pages(): PageState[];
  page(targetId: string): PageState | undefined;
  /** The connection while ATTACHED (tests and the gateway's health). */
  connection(): CdpConnection | undefined;
  /** Resolves once ATTACHED (or rejects when stopped first). */
  ready(): Promise<void>;
  stop(): Promise<void>;
};

/** Starts connecting in the background; see the module comment. */
export function createBrowserAttach(opts: BrowserAttachOptions): BrowserAttach {
  const pages = new Map<string, { page: PageState; unwatch: () => void }>();
  let state: BrowserAttachState = 'CONNECTING';
  let conn: CdpConnection | undefined;
  let auto: AutoAttach | undefined;
  let readyWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const timeout = { timeoutMs: opts.commandTimeoutMs };
  const stopping = new AbortController();

  const onAttached = async (info: TargetInfo, session: CdpSession): Promise<void> => {
    const page = newPageState({
      targetId: info.targetId,
      session,
      browserContextId: info.browserContextId ?? '',
      url: info.url,
      nowMs: opts.clock.now(),
    });
    pages.set(info.targetId, { page, unwatch: watchPage(page, opts.onPageEvent, opts.clock.now) });
    opts.onPagesChanged?.(page, true);
    // sent in this tick, before auto-attach's resume: nothing here may await before the last enable
    await Promise.all([
      session.send('Page.enable', {}, timeout),
      session.send('Page.setLifecycleEventsEnabled', { enabled: true }, timeout),
      // no response bodies kept for DevTools: the sidecar never reads them, and copying them costs the page
      session.send('Network.enable', { maxTotalBufferSize: 0, maxResourceBufferSize: 0 }, timeout),
      session.send('Performance.enable', {}, timeout),
      session.send('PerformanceTimeline.enable', { eventTypes: TIMELINE_EVENT_TYPES }, timeout),
    ]);
  };
  const onDetached = (info: TargetInfo): void => {
    const held = pages.get(info.targetId);
    if (held === undefined) return;
    pages.delete(info.targetId);
    held.unwatch();
    opts.onPagesChanged?.(held.page, false);
  };
  const settleReady = (error?: Error): void => {
    const waiters = readyWaiters;
    readyWaiters = [];
    waiters.forEach((w) => (error === undefined ? w.resolve() : w.reject(error)));
  };

  const stopped = (): boolean => (state as BrowserAttachState) === 'STOPPED';
  const loop = async (): Promise<void> => {
    for (let attempt = 0; !stopped(); attempt++) {
      try {
        const c = await opts.connect();
        if (stopped()) return void (await c.close());
        conn = c;
        const closed = new Promise<void>((resolve) => c.onClose(() => resolve()));
        auto = await startAutoAttach(c, {
          onAttached,
          onDetached,
          onError: (error: CdpError, info) => opts.onError?.(error, `setup of ${info.targetId}`),
          setupTimeoutMs: opts.commandTimeoutMs,
          resume: 'pipelined',
        });
        state = 'ATTACHED';
        attempt = 0;
        settleReady();
        await closed;
      } catch (error) {
        opts.onError?.(error, 'connecting to the browser');
      }
      if (stopped()) return;
      state = 'CONNECTING';
      conn = undefined;
      await opts.clock.sleep(Math.min(5000, 100 * 2 ** Math.min(attempt, 6)), stopping.signal).catch(() => undefined);
    }
  };
  const running = loop();

  return {
    state: () => state,
    pages: () => [...pages.values()].map((p) => p.page),
    page: (targetId) => pages.get(targetId)?.page,
    connection: () => conn,
    ready: () =>
      state === 'ATTACHED'
        ? Promise.resolve()
        : new Promise((resolve, reject) => readyWaiters.push({ resolve, reject })),
    async stop() {
      if (state === 'STOPPED') return;
      state = 'STOPPED';
      stopping.abort();
      settleReady(new Error('browser attachment stopped'));
      await auto?.stop().catch(() => undefined);
      await conn?.close();
      for (const info of [...pages.values()].map((p) => p.page)) onDetached({ targetId: info.targetId } as TargetInfo);
      await running;
    },
  };
}

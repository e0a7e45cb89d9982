/**
 * What the broker does to a session's pages over its own CDP session:
 * emulation (viewport, user agent, locale, time zone) applied while a new page
 * is still paused, and navigation of the first page to `start_url` with the
 * requested wait. Only Page and Emulation are used; never `Runtime.enable`.
 */
import type { CdpSession } from '@nightglow/cdp';
import { BrokerError } from '../errors.js';
import type { ViewportSpec, WaitUntilName } from '../sessions/record.js';

/** The emulation of every page of one session. */
export type PageEmulation = {
  readonly viewport: ViewportSpec;
  /** Empty: the browser's own. */
  readonly userAgent: string;
  readonly locale: string;
  readonly timezoneId: string;
};

/** Applies `e` to the page behind `session`; `browserUserAgent` fills in when only a locale is set. */
export async function applyEmulation(session: CdpSession, e: PageEmulation, browserUserAgent: string): Promise<void> {
  const v = e.viewport;
  const orientation = v.isLandscape ? { angle: 90, type: 'landscapePrimary' } : { angle: 0, type: 'portraitPrimary' };
  const commands: Promise<unknown>[] = [
    session.send('Emulation.setDeviceMetricsOverride', {
      width: v.width,
      height: v.height,
      deviceScaleFactor: v.deviceScaleFactor,
      mobile: v.isMobile,
      screenOrientation: orientation,
    }),
  ];
  if (v.hasTouch) commands.push(session.send('Emulation.setTouchEmulationEnabled', { enabled: true }));
  if (e.userAgent !== '' || e.locale !== '') {
    const ua = e.userAgent === '' ? browserUserAgent : e.userAgent;
    commands.push(
      session.send('Emulation.setUserAgentOverride', {
        userAgent: ua,
        ...(e.locale ? { acceptLanguage: e.locale } : {}),
      }),
    );
  }
  if (e.locale !== '') commands.push(session.send('Emulation.setLocaleOverride', { locale: e.locale }));
  if (e.timezoneId !== '') commands.push(session.send('Emulation.setTimezoneOverride', { timezoneId: e.timezoneId }));
  await Promise.all(commands);
}

const LIFECYCLE: Readonly<Record<Exclude<WaitUntilName, 'NONE'>, string>> = {
  DOMCONTENTLOADED: 'DOMContentLoaded',
  LOAD: 'load',
};

type LifecycleEvent = { frameId: string; loaderId: string; name: string };

/**
 * Navigates the page to `url` and waits for `waitUntil` of that navigation.
 * Rejects with UNAVAILABLE naming the network error (`net::ERR_…`) or the timeout.
 */
export async function navigatePage(
  session: CdpSession,
  url: string,
  opts: { readonly waitUntil: WaitUntilName; readonly timeoutMs: number; readonly signal?: AbortSignal },
): Promise<void> {
  const seen: LifecycleEvent[] = [];
  let wake: () => void = () => undefined;
  const off = session.on('Page.lifecycleEvent', (e) => {
    seen.push(e);
    wake();
  });
  try {
    // Pipelined: a session runs its commands in order, so the navigation starts after both.
    const enabled =
      opts.waitUntil === 'NONE'
        ? Promise.resolve()
        : Promise.all([session.send('Page.enable'), session.send('Page.setLifecycleEventsEnabled', { enabled: true })]);
    const [nav] = await Promise.all([session.send('Page.navigate', { url }, { timeoutMs: opts.timeoutMs }), enabled]);
    if (nav.errorText !== undefined && nav.errorText !== '') {
      throw new BrokerError('UNAVAILABLE', `start_url failed to load: ${nav.errorText}`);
    }
    if (opts.waitUntil === 'NONE') return;
    const name = LIFECYCLE[opts.waitUntil];
    const done = (): boolean =>
      seen.some((e) => e.name === name && e.frameId === nav.frameId && (!nav.loaderId || e.loaderId === nav.loaderId));
    const deadline = Date.now() + opts.timeoutMs;
    while (!done()) {
      if (opts.signal?.aborted) throw new BrokerError('CANCELLED', 'session start was cancelled');
      const left = deadline - Date.now();
      if (left <= 0)
        throw new BrokerError('UNAVAILABLE', `start_url did not reach ${name} within ${opts.timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 250));
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  } finally {
    off();
    if (opts.waitUntil !== 'NONE') {
      void session.send('Page.setLifecycleEventsEnabled', { enabled: false }).catch(() => undefined);
      void session.send('Page.disable').catch(() => undefined);
    }
  }
}

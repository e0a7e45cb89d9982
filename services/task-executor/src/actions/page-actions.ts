/**
 * Page-level actions: navigate, wait_for, scroll, set_viewport and
 * set_cookies.
 */
import {
  ElementState,
  SameSite,
  type NavigateAction,
  type ScrollAction,
  type SetCookiesAction,
  type WaitForAction,
} from '@nightglow/contracts/executor/v1';
import type { Viewport } from '@nightglow/contracts/common/v1';
import { timestampMs, toMs } from '../spec/durations.js';
import { ActionFailure } from './action-failure.js';
import { lifecycleOf, visibleElement, type ActionContext } from './action-context.js';

/** Loads the URL and waits as `wait_until` says (default LOAD; NONE returns once the navigation started). */
export async function navigate(ctx: ActionContext, a: NavigateAction): Promise<void> {
  const event = lifecycleOf(a.waitUntil);
  const referer = a.referer === '' ? {} : { referer: a.referer };
  if (event === undefined) {
    const cdp = await ctx.page.createCDPSession();
    try {
      await cdp.send('Page.navigate', { url: a.url, ...(a.referer === '' ? {} : { referrer: a.referer }) });
    } finally {
      await cdp.detach().catch(() => undefined);
    }
    return;
  }
  await ctx.page
    .goto(a.url, { waitUntil: event, timeout: ctx.timeoutMs, signal: ctx.signal, ...referer })
    .catch(async (e: unknown) => {
      // A navigation that outlived its action must not keep loading into the next one (or the error snapshot).
      const cdp = await ctx.page.createCDPSession().catch(() => undefined);
      await cdp?.send('Page.stopLoading').catch(() => undefined);
      await cdp?.detach().catch(() => undefined);
      throw e;
    });
}

/** Waits for an element state, a navigation, network quiet or a fixed pause. */
export async function waitFor(ctx: ActionContext, a: WaitForAction): Promise<void> {
  const c = a.condition;
  const opts = { timeout: ctx.timeoutMs, signal: ctx.signal };
  switch (c.case) {
    case 'selector': {
      if (a.state === ElementState.UNSPECIFIED || a.state === ElementState.VISIBLE) {
        const el = await visibleElement(ctx, c.value);
        return el.dispose();
      }
      const what = a.state === ElementState.HIDDEN ? 'hidden' : 'attached';
      const el = await ctx.page
        .waitForSelector(c.value, { ...opts, ...(a.state === ElementState.HIDDEN ? { hidden: true } : {}) })
        .catch((e: unknown) => {
          if (ctx.signal.aborted) throw e;
          throw ActionFailure.timeout(`waiting for selector \`${c.value}\` to be ${what}`, ctx.timeoutMs, c.value);
        });
      return el?.dispose();
    }
    case 'navigation':
      await ctx.page.waitForNavigation({ ...opts, waitUntil: lifecycleOf(c.value) ?? 'load' });
      return;
    case 'networkIdle':
      return ctx.page.waitForNetworkIdle({
        ...opts,
        idleTime: toMs(c.value.idleTime) ?? 500,
        concurrency: c.value.maxInflight,
      });
    case 'duration': {
      const ms = toMs(c.value) ?? 0;
      if (ms > ctx.timeoutMs) {
        await ctx.clock.sleep(ctx.timeoutMs, ctx.signal);
        throw ActionFailure.timeout(`waiting ${ms} ms`, ctx.timeoutMs);
      }
      return ctx.clock.sleep(ms, ctx.signal);
    }
    case undefined:
      return;
  }
}

/** Scrolls an element into view, by a delta (mouse wheel), or to the bottom. */
export async function scroll(ctx: ActionContext, a: ScrollAction): Promise<void> {
  if (a.selector !== '' && !a.toBottom && a.deltaX === 0 && a.deltaY === 0) {
    const el = await visibleElement(ctx, a.selector);
    return el.scrollIntoView().finally(() => el.dispose());
  }
  if (a.selector !== '') {
    const el = await visibleElement(ctx, a.selector);
    await el.hover().finally(() => el.dispose());
  }
  if (a.deltaX !== 0 || a.deltaY !== 0) await ctx.page.mouse.wheel({ deltaX: a.deltaX, deltaY: a.deltaY });
  if (a.toBottom) {
    await ctx.page.evaluate((sel: string) => {
      const target = sel === '' ? document.scrollingElement : document.querySelector(sel);
      if (target) target.scrollTop = target.scrollHeight;
    }, a.selector);
  }
}

/** Applies the viewport (size, scale, mobile, touch, orientation). */
export async function setViewport(ctx: ActionContext, v: Viewport): Promise<void> {
  await ctx.page.setViewport({
    width: v.width,
    height: v.height,
    deviceScaleFactor: v.deviceScaleFactor || 1,
    isMobile: v.isMobile,
    hasTouch: v.hasTouch,
    isLandscape: v.isLandscape,
  });
}

const SAME_SITE = { [SameSite.STRICT]: 'Strict', [SameSite.LAX]: 'Lax', [SameSite.NONE]: 'None' } as const;

/** Sets the cookies in the session's browser context. */
export async function setCookies(ctx: ActionContext, a: SetCookiesAction): Promise<void> {
  await ctx.page.setCookie(
    ...a.cookies.map((c) => ({
      name: c.name,
      value: c.value,
      ...(c.url === '' ? {} : { url: c.url }),
      ...(c.domain === '' ? {} : { domain: c.domain }),
      path: c.path || '/',
      ...(c.expires ? { expires: timestampMs(c.expires) / 1000 } : {}),
      httpOnly: c.httpOnly,
      secure: c.secure,
      ...(c.sameSite === SameSite.UNSPECIFIED ? {} : { sameSite: SAME_SITE[c.sameSite] }),
    })),
  );
}

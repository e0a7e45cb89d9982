/**
 * What an action implementation gets: the page, its time budget, the abort
 * signal, human-input settings and recorders for behavior and artifacts; and
 * shared helpers (element waits, navigation-aware input, typing).
 */
import type { ElementHandle, Page, PuppeteerLifeCycleEvent } from 'puppeteer-core';
import type { JsonValue } from '@bufbuild/protobuf';
import type { Clock } from '@nightglow/runtime';
import type { ArtifactRef } from '@nightglow/contracts/common/v1';
import { WaitUntil } from '@nightglow/contracts/common/v1';
import { ActionErrorReason } from '@nightglow/contracts/executor/v1';
import { ActionFailure } from './action-failure.js';
import type { BehaviorRecorder, HumanSettings } from './human-input.js';
import { typingDelay } from './human-input.js';

/** Collects the artifacts an action produces. */
export type ArtifactSink = {
  add(a: { name: string; contentType: string; data: Uint8Array }): ArtifactRef;
};

/** The context of one action attempt. */
export type ActionContext = {
  readonly page: Page;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly clock: Clock;
  readonly actionName: string;
  /** Set when the task asked for human-like input. */
  readonly human: HumanSettings | undefined;
  readonly behavior: BehaviorRecorder;
  readonly artifacts: ArtifactSink;
};

/** What an action returns: an output to store under `outputName`, if any. */
export type ActionOutcome = { readonly output?: { readonly name: string; readonly value: JsonValue } };

/** puppeteer's `waitUntil` for a WaitUntil (UNSPECIFIED → `fallback`); undefined for NONE. */
export function lifecycleOf(
  w: WaitUntil,
  fallback: PuppeteerLifeCycleEvent = 'load',
): PuppeteerLifeCycleEvent | undefined {
  switch (w) {
    case WaitUntil.UNSPECIFIED:
      return fallback;
    case WaitUntil.NONE:
      return undefined;
    case WaitUntil.DOMCONTENTLOADED:
      return 'domcontentloaded';
    case WaitUntil.LOAD:
      return 'load';
    case WaitUntil.NETWORKIDLE0:
      return 'networkidle0';
    case WaitUntil.NETWORKIDLE2:
      return 'networkidle2';
  }
}

/** Waits for a visible element, failing with TIMEOUT naming the selector and timeout. */
export async function visibleElement(ctx: ActionContext, selector: string): Promise<ElementHandle<Element>> {
  const el = await ctx.page
    .waitForSelector(selector, { visible: true, timeout: ctx.timeoutMs, signal: ctx.signal })
    .catch((e: unknown) => {
      if (ctx.signal.aborted) throw e;
      throw ActionFailure.timeout(`waiting for selector \`${selector}\``, ctx.timeoutMs, selector);
    });
  if (!el) throw ActionFailure.timeout(`waiting for selector \`${selector}\``, ctx.timeoutMs, selector);
  return el;
}

/** Runs `input` and, when `waitUntil` asks for it, waits for the navigation it starts. */
export async function withNavigation(
  ctx: ActionContext,
  waitUntil: WaitUntil,
  input: () => Promise<void>,
): Promise<void> {
  const event = waitUntil === WaitUntil.UNSPECIFIED ? undefined : lifecycleOf(waitUntil);
  if (event === undefined) return input();
  const nav = ctx.page.waitForNavigation({ waitUntil: event, timeout: ctx.timeoutMs, signal: ctx.signal });
  nav.catch(() => undefined);
  await input();
  await nav.catch((e: unknown) => {
    if (ctx.signal.aborted) throw e;
    throw ActionFailure.timeout(`waiting for navigation (${event})`, ctx.timeoutMs);
  });
}

/** Moves the mouse to the element's center: along a curved path with human input, directly otherwise. */
export async function pointAt(ctx: ActionContext, el: ElementHandle<Element>): Promise<{ x: number; y: number }> {
  await el.scrollIntoView();
  const box = await el.boundingBox();
  if (!box) throw new ActionFailure(ActionErrorReason.ELEMENT_NOT_INTERACTABLE, 'element has no box (not rendered)');
  const to = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  if (ctx.human) await ctx.behavior.mouseTo(ctx.page, to, ctx.human);
  else await ctx.page.mouse.move(to.x, to.y);
  return to;
}

/** Types `text` into the focused element: fixed `delayMs`, human cadence, or at once. */
export async function typeText(ctx: ActionContext, text: string, delayMs: number | undefined): Promise<void> {
  if (delayMs === undefined && !ctx.human) {
    for (const _ of text) ctx.behavior.key(ctx.clock.now());
    return ctx.page.keyboard.type(text);
  }
  for (const ch of text) {
    ctx.behavior.key(ctx.clock.now());
    await ctx.page.keyboard.type(ch);
    const pause = delayMs ?? (ctx.human ? typingDelay(ctx.human) : 0);
    if (pause > 0) await ctx.clock.sleep(pause, ctx.signal);
  }
}

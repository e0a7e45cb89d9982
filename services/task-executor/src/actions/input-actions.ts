/**
 * Input actions: click, type, press, hover, select and fill_form. With
 * human-like input the mouse reaches its target along a curved path and keys
 * follow a varied cadence; otherwise puppeteer's direct input is used.
 */
import { create } from '@bufbuild/protobuf';
import type { KeyInput } from 'puppeteer-core';
import { MouseButton as PMouseButton } from 'puppeteer-core';
import {
  ActionErrorReason,
  ClickActionSchema,
  MouseButton,
  SelectActionSchema,
  type ClickAction,
  type FillFormAction,
  type HoverAction,
  type PressAction,
  type SelectAction,
  type TypeAction,
} from '@nightglow/contracts/executor/v1';
import { WaitUntil } from '@nightglow/contracts/common/v1';
import { toMs } from '../spec/durations.js';
import { ActionFailure } from './action-failure.js';
import { pointAt, typeText, visibleElement, withNavigation, type ActionContext } from './action-context.js';

const BUTTONS = {
  [MouseButton.UNSPECIFIED]: PMouseButton.Left,
  [MouseButton.LEFT]: PMouseButton.Left,
  [MouseButton.RIGHT]: PMouseButton.Right,
  [MouseButton.MIDDLE]: PMouseButton.Middle,
};

/** Clicks the first visible match, scrolled into view. */
export async function click(ctx: ActionContext, a: ClickAction): Promise<void> {
  const el = await visibleElement(ctx, a.selector);
  try {
    const delay = toMs(a.delay) ?? (ctx.human ? 40 + Math.round(ctx.human.rng() * 80) : 0);
    const opts = { button: BUTTONS[a.button], count: a.clickCount || 1, delay };
    await withNavigation(ctx, a.waitUntil, async () => {
      if (!ctx.human) return el.click(opts);
      const at = await pointAt(ctx, el);
      await ctx.page.mouse.click(at.x, at.y, opts);
    });
  } finally {
    await el.dispose().catch(() => undefined);
  }
}

/** Focuses the element (or keeps the focus), optionally clears it, and types the text key by key. */
export async function type(ctx: ActionContext, a: TypeAction): Promise<void> {
  if (a.selector !== '') {
    const el = await visibleElement(ctx, a.selector);
    try {
      if (ctx.human) await ctx.page.mouse.click(...xy(await pointAt(ctx, el)));
      else await el.focus();
      if (a.clear) await el.evaluate((e) => void ((e as HTMLInputElement).value = ''));
    } finally {
      await el.dispose().catch(() => undefined);
    }
  }
  await typeText(ctx, a.text, toMs(a.delay));
}

function xy(p: { x: number; y: number }): [number, number] {
  return [p.x, p.y];
}

/** Presses a key or a `Modifier+Key` combination, optionally on a focused element, optionally awaiting a navigation. */
export async function press(ctx: ActionContext, a: PressAction): Promise<void> {
  if (a.selector !== '') {
    const el = await visibleElement(ctx, a.selector);
    await el.focus().finally(() => el.dispose().catch(() => undefined));
  }
  const parts = a.key.split('+').filter((p) => p !== '') as KeyInput[];
  const key = parts.pop();
  if (key === undefined) throw new ActionFailure(ActionErrorReason.INTERNAL, `no key in ${JSON.stringify(a.key)}`);
  await withNavigation(ctx, a.waitUntil, async () => {
    for (const m of parts) await ctx.page.keyboard.down(m);
    ctx.behavior.key(ctx.clock.now());
    await ctx.page.keyboard.press(key);
    for (const m of parts.reverse()) await ctx.page.keyboard.up(m);
  });
}

/** Moves the mouse over the element. */
export async function hover(ctx: ActionContext, a: HoverAction): Promise<void> {
  const el = await visibleElement(ctx, a.selector);
  try {
    if (ctx.human) await pointAt(ctx, el);
    else await el.hover();
  } finally {
    await el.dispose().catch(() => undefined);
  }
}

/** Selects options of a `<select>` by value; fails when the element is no select or a value matches no option. */
export async function select(ctx: ActionContext, a: SelectAction): Promise<void> {
  const el = await visibleElement(ctx, a.selector);
  try {
    const tag = await el.evaluate((e) => e.tagName);
    if (tag !== 'SELECT') {
      throw new ActionFailure(
        ActionErrorReason.ELEMENT_NOT_INTERACTABLE,
        `\`${a.selector}\` is a <${tag.toLowerCase()}>, not a <select>`,
        { selector: a.selector },
      );
    }
    const chosen = await el.select(...a.values);
    const missing = a.values.filter((v) => !chosen.includes(v));
    if (missing.length > 0) {
      throw new ActionFailure(
        ActionErrorReason.ELEMENT_NOT_INTERACTABLE,
        `\`${a.selector}\` has no option with value ${missing.map((m) => JSON.stringify(m)).join(', ')}`,
        { selector: a.selector },
      );
    }
  } finally {
    await el.dispose().catch(() => undefined);
  }
}

/** Fills each field by its kind (text, select, checkbox/radio) and optionally clicks `submit`. */
export async function fillForm(ctx: ActionContext, a: FillFormAction): Promise<void> {
  for (const [selector, value] of Object.entries(a.fields)) {
    const el = await visibleElement(ctx, selector);
    try {
      const [tag, kind, checked] = await el.evaluate((e) => {
        const i = e as HTMLInputElement;
        return [e.tagName, (i.type ?? '').toLowerCase(), Boolean(i.checked)] as const;
      });
      if (tag === 'SELECT') await select(ctx, create(SelectActionSchema, { selector, values: [value] }));
      else if (kind === 'checkbox' || kind === 'radio') {
        if ((value === 'true') !== checked) await el.click();
      } else {
        if (ctx.human) await ctx.page.mouse.click(...xy(await pointAt(ctx, el)));
        else await el.focus();
        await el.evaluate((e) => void ((e as HTMLInputElement).value = ''));
        await typeText(ctx, value, undefined);
      }
    } finally {
      await el.dispose().catch(() => undefined);
    }
  }
  if (a.submit === '') return;
  const wait = a.waitUntil === WaitUntil.UNSPECIFIED ? WaitUntil.LOAD : a.waitUntil;
  await click(ctx, create(ClickActionSchema, { selector: a.submit, waitUntil: wait }));
}

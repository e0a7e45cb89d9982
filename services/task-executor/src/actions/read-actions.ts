/**
 * Reading actions: extract (text, HTML, attribute or value of the first or
 * every match into a named output), screenshot (viewport, full page or
 * element, as an artifact), assert (polled until it holds or the timeout
 * passes) and evaluate.
 */
import type { JsonValue } from '@bufbuild/protobuf';
import {
  ActionErrorReason,
  ExtractSource,
  ImageFormat,
  type AssertAction,
  type EvaluateAction,
  type ExtractAction,
  type ScreenshotAction,
} from '@nightglow/contracts/executor/v1';
import { ActionFailure } from './action-failure.js';
import { visibleElement, type ActionContext, type ActionOutcome } from './action-context.js';

/** Reads the matches of `a.selector` into the output named `a.output` (default: the action's name). */
export async function extract(ctx: ActionContext, a: ExtractAction): Promise<ActionOutcome> {
  const name = a.output || ctx.actionName;
  const source =
    a.source === ExtractSource.UNSPECIFIED
      ? a.attribute !== ''
        ? ExtractSource.ATTRIBUTE
        : ExtractSource.TEXT
      : a.source;
  const read = (): Promise<(string | null)[]> =>
    ctx.page.$$eval(
      a.selector,
      (els, src: number, attr: string, all: boolean) =>
        (all ? els : els.slice(0, 1)).map((e) => {
          const h = e as HTMLElement & { value?: unknown };
          switch (src) {
            case 2:
              return h.innerText;
            case 3:
              return h.outerHTML;
            case 4:
              return h.innerHTML;
            case 5:
              return h.getAttribute(attr);
            case 6:
              return typeof h.value === 'string' ? h.value : null;
            default:
              return (h.textContent ?? '').trim();
          }
        }),
      source,
      a.attribute,
      a.all,
    );
  // Read first (one round trip when the elements are there); wait for a match only when there is none yet.
  let values = await read();
  if (values.length === 0 && !a.allowMissing) {
    await ctx.page.waitForSelector(a.selector, { timeout: ctx.timeoutMs, signal: ctx.signal }).then(
      (el) => el?.dispose(),
      (e: unknown) => {
        if (ctx.signal.aborted) throw e;
        throw ActionFailure.timeout(`waiting for selector \`${a.selector}\``, ctx.timeoutMs, a.selector);
      },
    );
    values = await read();
  }
  const value: JsonValue = a.all ? values : (values[0] ?? null);
  return { output: { name, value } };
}

/** Captures the element, the full page or the viewport as an artifact named `artifact_name` (default `<action>.<ext>`). */
export async function screenshot(ctx: ActionContext, a: ScreenshotAction): Promise<void> {
  const jpeg = a.format === ImageFormat.JPEG;
  const opts = jpeg ? { type: 'jpeg' as const, quality: a.quality || 80 } : { type: 'png' as const };
  let data: Uint8Array;
  if (a.selector !== '') {
    const el = await visibleElement(ctx, a.selector);
    data = await el.screenshot(opts).finally(() => el.dispose());
  } else {
    data = await ctx.page.screenshot({ ...opts, fullPage: a.fullPage });
  }
  const name = a.artifactName || `${ctx.actionName}.${jpeg ? 'jpg' : 'png'}`;
  ctx.artifacts.add({ name, contentType: jpeg ? 'image/jpeg' : 'image/png', data });
}

type Check = { holds: boolean; expected: string; actual: string };

async function check(ctx: ActionContext, a: AssertAction): Promise<Check> {
  const c = a.condition;
  switch (c.case) {
    case 'selectorExists': {
      const n = await ctx.page.$$eval(c.value, (els) => els.length);
      return { holds: n > 0, expected: `an element matching \`${c.value}\``, actual: 'no match' };
    }
    case 'textContains': {
      const text = await ctx.page.$eval(c.value.selector, (e) => e.textContent ?? '').catch(() => null);
      const norm = (s: string): string => (c.value.ignoreCase ? s.toLowerCase() : s);
      const holds = text !== null && norm(text).includes(norm(c.value.text));
      const actual =
        text === null ? `no element matching \`${c.value.selector}\`` : JSON.stringify(text.trim().slice(0, 200));
      return { holds, expected: `\`${c.value.selector}\` text contains ${JSON.stringify(c.value.text)}`, actual };
    }
    case 'urlMatches': {
      const url = ctx.page.url();
      return { holds: new RegExp(c.value).test(url), expected: `URL matches /${c.value}/`, actual: url };
    }
    case 'titleEquals':
    case 'titleContains': {
      const title = await ctx.page.title();
      const holds = c.case === 'titleEquals' ? title === c.value : title.includes(c.value);
      const verb = c.case === 'titleEquals' ? 'equals' : 'contains';
      return { holds, expected: `title ${verb} ${JSON.stringify(c.value)}`, actual: JSON.stringify(title) };
    }
    case undefined:
      return { holds: true, expected: '', actual: '' };
  }
}

/** Polls the condition every 100 ms until it holds; fails ASSERTION_FAILED with expected and actual at the timeout. */
export async function assertCondition(ctx: ActionContext, a: AssertAction): Promise<void> {
  const deadline = ctx.clock.now() + ctx.timeoutMs;
  for (;;) {
    const r = await check(ctx, a).catch((e: unknown) => ({
      holds: false,
      expected: 'the condition',
      actual: String(e),
    }));
    if (r.holds) return;
    if (ctx.clock.now() >= deadline) {
      const msg = a.message || `assertion failed: expected ${r.expected}, found ${r.actual}`;
      throw new ActionFailure(ActionErrorReason.ASSERTION_FAILED, msg, {
        expected: r.expected,
        actual: r.actual,
        timeoutMs: ctx.timeoutMs,
      });
    }
    await ctx.clock.sleep(Math.min(100, Math.max(0, deadline - ctx.clock.now())), ctx.signal);
  }
}

/** Evaluates the expression in the page's main world; its JSON result becomes the output. */
export async function evaluate(ctx: ActionContext, a: EvaluateAction): Promise<ActionOutcome> {
  const value = await ctx.page.evaluate(a.expression).catch((e: unknown) => {
    if (ctx.signal.aborted) throw e;
    throw new ActionFailure(ActionErrorReason.EVALUATION_FAILED, `evaluate threw: ${(e as Error).message}`, {
      cause: e,
    });
  });
  return { output: { name: a.output || ctx.actionName, value: (value ?? null) as JsonValue } };
}

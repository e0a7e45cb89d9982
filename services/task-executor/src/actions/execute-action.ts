/**
 * Dispatches one action to its implementation. The switch is exhaustive over
 * `Action.kind`, so a new action type in the proto fails the type check here.
 */
import type { Action } from '@nightglow/contracts/executor/v1';
import { ActionErrorReason } from '@nightglow/contracts/executor/v1';
import { ActionFailure } from './action-failure.js';
import type { ActionContext, ActionOutcome } from './action-context.js';
import { click, fillForm, hover, press, select, type } from './input-actions.js';
import { navigate, scroll, setCookies, setViewport, waitFor } from './page-actions.js';
import { assertCondition, evaluate, extract, screenshot } from './read-actions.js';

const NONE: ActionOutcome = {};

/** Runs one attempt of `action` in `ctx`; rejects with whatever the page threw (see `classify`). */
export async function executeAction(ctx: ActionContext, action: Action): Promise<ActionOutcome> {
  const k = action.kind;
  switch (k.case) {
    case 'navigate':
      return navigate(ctx, k.value).then(() => NONE);
    case 'click':
      return click(ctx, k.value).then(() => NONE);
    case 'type':
      return type(ctx, k.value).then(() => NONE);
    case 'press':
      return press(ctx, k.value).then(() => NONE);
    case 'hover':
      return hover(ctx, k.value).then(() => NONE);
    case 'select':
      return select(ctx, k.value).then(() => NONE);
    case 'scroll':
      return scroll(ctx, k.value).then(() => NONE);
    case 'waitFor':
      return waitFor(ctx, k.value).then(() => NONE);
    case 'extract':
      return extract(ctx, k.value);
    case 'screenshot':
      return screenshot(ctx, k.value).then(() => NONE);
    case 'assert':
      return assertCondition(ctx, k.value).then(() => NONE);
    case 'setViewport':
      return setViewport(ctx, k.value).then(() => NONE);
    case 'setCookies':
      return setCookies(ctx, k.value).then(() => NONE);
    case 'fillForm':
      return fillForm(ctx, k.value).then(() => NONE);
    case 'evaluate':
      return evaluate(ctx, k.value);
    case undefined:
      throw new ActionFailure(ActionErrorReason.INTERNAL, 'action has no kind');
  }
}

/** The selector an action targets, for error messages; undefined when it has none. */
export function selectorOf(action: Action): string | undefined {
  const k = action.kind;
  switch (k.case) {
    case 'click':
    case 'hover':
    case 'select':
    case 'extract':
      return k.value.selector;
    case 'type':
    case 'press':
    case 'scroll':
    case 'screenshot':
      return k.value.selector || undefined;
    case 'waitFor':
      return k.value.condition.case === 'selector' ? k.value.condition.value : undefined;
    case 'assert':
      return k.value.condition.case === 'selectorExists'
        ? k.value.condition.value
        : k.value.condition.case === 'textContains'
          ? k.value.condition.value.selector
          : undefined;
    case 'fillForm':
      return Object.keys(k.value.fields)[0];
    default:
      return undefined;
  }
}

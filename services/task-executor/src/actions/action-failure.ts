/**
 * Why an action attempt failed, in the terms of `ActionError`: a reason, a
 * message a user can act on ("waiting for selector `#login` failed: 2000 ms
 * exceeded"), and the selector, timeout, expected and actual values involved.
 * `classify` turns anything puppeteer throws into one.
 */
import { ActionErrorReason } from '@nightglow/contracts/executor/v1';

/** Details of an {@link ActionFailure}. */
export type FailureDetails = {
  readonly selector?: string;
  readonly timeoutMs?: number;
  readonly expected?: string;
  readonly actual?: string;
  readonly cause?: unknown;
};

/** A failed action attempt. `retryable` is false for cancellation. */
export class ActionFailure extends Error {
  readonly reason: ActionErrorReason;
  readonly details: FailureDetails;

  constructor(reason: ActionErrorReason, message: string, details: FailureDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ActionFailure';
    this.reason = reason;
    this.details = details;
  }

  /** Whether another attempt may succeed. */
  get retryable(): boolean {
    return this.reason !== ActionErrorReason.CANCELLED;
  }

  /** A timeout failure naming what was awaited. */
  static timeout(what: string, timeoutMs: number, selector?: string): ActionFailure {
    return new ActionFailure(ActionErrorReason.TIMEOUT, `${what} failed: ${timeoutMs} ms exceeded`, {
      timeoutMs,
      ...(selector === undefined ? {} : { selector }),
    });
  }
}

/** Context of {@link classify}: the selector the action used and its timeout. */
export type ClassifyContext = { readonly selector?: string; readonly timeoutMs: number };

/** Normalizes anything an action threw into an {@link ActionFailure}. */
export function classify(e: unknown, ctx: ClassifyContext): ActionFailure {
  if (e instanceof ActionFailure) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  const msg = err.message;
  const sel = ctx.selector === undefined ? {} : { selector: ctx.selector };
  if (err.name === 'TimeoutError' || /timeout|exceeded/i.test(msg)) {
    const what = ctx.selector !== undefined ? `waiting for selector \`${ctx.selector}\`` : 'waiting';
    return new ActionFailure(ActionErrorReason.TIMEOUT, `${what} failed: ${ctx.timeoutMs} ms exceeded`, {
      ...sel,
      timeoutMs: ctx.timeoutMs,
      cause: e,
    });
  }
  if (/net::ERR_|Navigation failed|ERR_NAME|ERR_CONNECTION/i.test(msg)) {
    return new ActionFailure(ActionErrorReason.NAVIGATION_FAILED, msg, { cause: e });
  }
  if (/Target closed|Session closed|Connection closed|Protocol error|detached Frame|WebSocket/i.test(msg)) {
    return new ActionFailure(ActionErrorReason.PROTOCOL_ERROR, msg, { ...sel, cause: e });
  }
  if (/not clickable|not an HTMLElement|Node is detached|not a select|Element not found|No element found/i.test(msg)) {
    return new ActionFailure(ActionErrorReason.ELEMENT_NOT_INTERACTABLE, msg, { ...sel, cause: e });
  }
  return new ActionFailure(ActionErrorReason.INTERNAL, msg, { ...sel, cause: e });
}

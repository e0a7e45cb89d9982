import type { CdpSession } from './connection.js';
import { CdpError } from './errors.js';
import type { ExceptionDetails } from './protocol.js';

/**
 * An isolated world: a separate JavaScript context on a frame's DOM, invisible to
 * the page's own scripts (the way extensions' content scripts run). Reading the
 * DOM or `navigator` here leaves no main-world footprint, and `Runtime.evaluate`
 * with its `contextId` works without `Runtime.enable`. A navigation of the frame
 * destroys the world: evaluating afterwards fails with `PROTOCOL`; create a new one.
 */
export type IsolatedWorld = {
  readonly frameId: string;
  readonly contextId: number;
  /** Evaluates `expression` in this world and resolves with its JSON value; see {@link evaluateInContext}. */
  evaluate<T = unknown>(expression: string, options?: EvaluateOptions): Promise<T>;
};

/** Options of an evaluation. */
export type EvaluateOptions = {
  /** Command timeout in ms; default the connection's. A looping expression then rejects with `TIMEOUT`. */
  readonly timeoutMs?: number;
  /** Wait for a returned promise and resolve with its value. Default true. */
  readonly awaitPromise?: boolean;
  /** Run as if triggered by a user gesture (lets the page open popups, for example). Default false. */
  readonly userGesture?: boolean;
};

/** Options of {@link createIsolatedWorld}. */
export type IsolatedWorldOptions = {
  /** The frame; default the main frame of the session's page. */
  readonly frameId?: string;
  /** Shown in DevTools' context list; default `nightglow`. */
  readonly worldName?: string;
  /** Grant the world universal access (cross-origin reads). Default false. */
  readonly grantUniversalAccess?: boolean;
  readonly timeoutMs?: number;
};

/** The id of the main frame of the session's page, from `Page.getFrameTree` (needs no `Page.enable`). */
export async function getMainFrameId(session: CdpSession, timeoutMs?: number): Promise<string> {
  const { frameTree } = await session.send('Page.getFrameTree', {}, timeoutMs === undefined ? {} : { timeoutMs });
  return frameTree.frame.id;
}

function describeException(details: ExceptionDetails): string {
  const exception = details.exception;
  if (exception?.description !== undefined) return exception.description;
  return exception?.value === undefined ? details.text : String(exception.value);
}

/**
 * `Runtime.evaluate` in one execution context, by value, silently (no pause on
 * exceptions). Resolves with the JSON value (`undefined` for non-serializable
 * results); an exception in the page rejects with `EVALUATION` carrying its text.
 */
export async function evaluateInContext<T = unknown>(
  session: CdpSession,
  contextId: number,
  expression: string,
  options: EvaluateOptions = {},
): Promise<T> {
  const { result, exceptionDetails } = await session.send(
    'Runtime.evaluate',
    {
      expression,
      contextId,
      returnByValue: true,
      awaitPromise: options.awaitPromise ?? true,
      userGesture: options.userGesture ?? false,
      silent: true,
    },
    options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs },
  );
  if (exceptionDetails !== undefined) {
    const message = `evaluation threw: ${describeException(exceptionDetails)}`;
    throw new CdpError({ code: 'EVALUATION', message, method: 'Runtime.evaluate', sessionId: session.sessionId });
  }
  return result.value as T;
}

/** Creates an isolated world on a frame (`Page.createIsolatedWorld`) and returns a handle to evaluate in it. */
export async function createIsolatedWorld(
  session: CdpSession,
  options: IsolatedWorldOptions = {},
): Promise<IsolatedWorld> {
  const timeout = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
  const frameId = options.frameId ?? (await getMainFrameId(session, options.timeoutMs));
  const { executionContextId } = await session.send(
    'Page.createIsolatedWorld',
    {
      frameId,
      worldName: options.worldName ?? 'nightglow',
      grantUniversalAccess: options.grantUniversalAccess ?? false,
    },
    timeout,
  );
  return {
    frameId,
    contextId: executionContextId,
    evaluate: (expression, evaluateOptions) =>
      evaluateInContext(session, executionContextId, expression, evaluateOptions),
  };
}

/**
 * One-shot: creates a fresh isolated world on the frame and evaluates `expression`
 * in it. Robust across navigations (a new world each time); costs one extra round trip.
 */
export async function evaluateIsolated<T = unknown>(
  session: CdpSession,
  expression: string,
  options: IsolatedWorldOptions & EvaluateOptions = {},
): Promise<T> {
  const world = await createIsolatedWorld(session, options);
  return world.evaluate<T>(expression, options);
}

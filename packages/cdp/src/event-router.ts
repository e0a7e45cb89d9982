import { CdpError } from './errors.js';
import { systemCdpClock, type CdpClock } from './pending-commands.js';
import type { CdpEventName, CdpEventParams } from './protocol.js';

/** A listener; `sessionId` is the flat session the event came from, `undefined` for the browser target. */
export type CdpEventHandler<E extends string> = (params: CdpEventParams<E>, sessionId: string | undefined) => void;

/**
 * Which sessions a subscription hears: omitted = every session and the browser
 * target; a string = that flat session only; `null` = the browser target only.
 */
export type CdpEventFilter = { readonly sessionId?: string | null };

/** Anything events can be subscribed on: a connection or a session. Returns the unsubscribe function. */
export type CdpEventSource = {
  on<E extends CdpEventName>(method: E, handler: CdpEventHandler<E>, filter?: CdpEventFilter): () => void;
};

type Listener = { readonly session: string | null | undefined; readonly handler: CdpEventHandler<string> };

/** Listeners by method, dispatched in subscription order. */
export type EventRouter = CdpEventSource & {
  dispatch(method: string, params: Record<string, unknown>, sessionId: string | undefined): void;
  /** Whether anyone listens to `method` (on any session). */
  listens(method: string): boolean;
};

/**
 * Creates a router. A listener that throws does not stop the others: its error
 * goes to `onListenerError`.
 */
export function createEventRouter(onListenerError: (error: unknown, method: string) => void): EventRouter {
  const byMethod = new Map<string, Set<Listener>>();
  return {
    on(method, handler, filter) {
      const listener: Listener = { session: filter?.sessionId, handler: handler as CdpEventHandler<string> };
      let set = byMethod.get(method);
      if (set === undefined) byMethod.set(method, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0 && byMethod.get(method) === set) byMethod.delete(method);
      };
    },
    listens: (method) => byMethod.has(method),
    dispatch(method, params, sessionId) {
      const set = byMethod.get(method);
      if (set === undefined) return;
      for (const listener of [...set]) {
        if (listener.session !== undefined && listener.session !== (sessionId ?? null)) continue;
        try {
          listener.handler(params, sessionId);
        } catch (error) {
          onListenerError(error, method);
        }
      }
    },
  };
}

/** Options of {@link waitForEvent}. */
export type WaitForEventOptions<E extends string> = CdpEventFilter & {
  /** Only an event for which this returns true resolves the wait. */
  readonly predicate?: (params: CdpEventParams<E>, sessionId: string | undefined) => boolean;
  /** Default 10 000 ms; on expiry the wait rejects with a `TIMEOUT` {@link CdpError}. */
  readonly timeoutMs?: number;
  readonly clock?: CdpClock;
};

/**
 * Resolves with the params of the next `method` event (matching the filter and
 * predicate) on `source`; rejects with `TIMEOUT` after `timeoutMs`. Subscribe
 * before triggering the action, e.g. start the wait, then `Page.navigate`.
 */
export function waitForEvent<E extends CdpEventName>(
  source: CdpEventSource,
  method: E,
  options: WaitForEventOptions<E> = {},
): Promise<CdpEventParams<E>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const clock = options.clock ?? systemCdpClock;
  return new Promise((resolve, reject) => {
    const filter = options.sessionId === undefined ? {} : { sessionId: options.sessionId };
    const off = source.on(
      method,
      (params, sessionId) => {
        if (options.predicate !== undefined && !options.predicate(params, sessionId)) return;
        off();
        timer.cancel();
        resolve(params);
      },
      filter,
    );
    const timer = clock.setTimeout(() => {
      off();
      reject(new CdpError({ code: 'TIMEOUT', message: `no ${method} event within ${timeoutMs} ms`, method }));
    }, timeoutMs);
  });
}

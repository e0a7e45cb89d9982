import type { CdpConnection, CdpSession } from './connection.js';
import { CdpError, isCdpError } from './errors.js';
import { systemCdpClock, type CdpClock } from './pending-commands.js';
import type { CdpEvents, TargetFilterEntry, TargetInfo } from './protocol.js';

/** A target the auto-attacher holds a flat session on. `targetInfo` follows `Target.targetInfoChanged`. */
export type AttachedTarget = { readonly targetInfo: TargetInfo; readonly session: CdpSession };

/** Options of {@link startAutoAttach}. */
export type AutoAttachOptions = {
  /** Which targets to attach (CDP `TargetFilter`). Default {@link DEFAULT_TARGET_FILTER}: page targets only. */
  readonly filter?: readonly TargetFilterEntry[];
  /**
   * The caller's per-target setup (enable domains, subscribe to events). It runs
   * while a new target is still paused (`waitForDebuggerOnStart`), and the target
   * is resumed only when it settles, so no request or lifecycle event is missed.
   */
  readonly onAttached: (targetInfo: TargetInfo, session: CdpSession) => void | Promise<void>;
  /** Called once per attached target when its session ends (target closed, `stop()`, connection closed). */
  readonly onDetached?: (targetInfo: TargetInfo, session: CdpSession) => void;
  /**
   * Failures of setup, resume or recursion; default `process.emitWarning`. The target is resumed
   * regardless. Errors that only mean the target went away (closed during setup) are not reported.
   */
  readonly onError?: (error: CdpError, targetInfo: TargetInfo) => void;
  /** How long `onAttached` may take before the target is resumed anyway, in ms. Default 10 000. */
  readonly setupTimeoutMs?: number;
  /**
   * When a paused target is resumed (`Runtime.runIfWaitingForDebugger`):
   * - `after-setup` (default): once `onAttached` has settled — one or more extra round
   *   trips during which a new page waits;
   * - `pipelined`: right after `onAttached` returns, without waiting for its answers.
   *   `onAttached` is then called synchronously, and the commands it sends before its
   *   first `await` go out ahead of the resume on the same session; Chromium runs a
   *   session's commands in order, so they take effect before the page runs a line
   *   of script, and the page loses no round trip. Listeners must be registered
   *   before those commands are sent; commands sent after an `await` race the page.
   */
  readonly resume?: 'after-setup' | 'pipelined';
  readonly clock?: CdpClock;
};

/** `RUNNING` (attaching every matching target) → `STOPPED` (after `stop()`; sessions detached). */
export type AutoAttachState = 'RUNNING' | 'STOPPED';

/** A running flat auto-attach over one connection. */
export interface AutoAttach {
  readonly state: AutoAttachState;
  /** The targets attached right now, one session per target. */
  targets(): AttachedTarget[];
  /** Turns auto-attach and discovery off (Chromium then detaches the sessions) and reports every target detached. */
  stop(): Promise<void>;
}

/** Page targets only (no `browser_ui`, `tab`, workers or iframes). */
export const DEFAULT_TARGET_FILTER: readonly TargetFilterEntry[] = [{ type: 'page' }];

const CHROMIUM_DEFAULT_FILTER: readonly TargetFilterEntry[] = [
  { type: 'browser', exclude: true },
  { type: 'tab', exclude: true },
  {},
];

/** Whether `info` passes `filter` as Chromium reads it: the first matching entry decides; none = excluded. */
export function targetMatchesFilter(info: TargetInfo, filter: readonly TargetFilterEntry[]): boolean {
  for (const entry of filter.length === 0 ? CHROMIUM_DEFAULT_FILTER : filter) {
    if (entry.type === undefined || entry.type === info.type) return entry.exclude !== true;
  }
  return false;
}

type Tracked = { targetInfo: TargetInfo; readonly session: CdpSession };

/** The session or connection went away under a command: a closed tab, not an error worth reporting. */
function targetGone(error: CdpError): boolean {
  return error.code === 'CLOSED' || error.code === 'TARGET_CLOSED' || error.protocolCode === -32001;
}

/**
 * Starts flat auto-attach on the browser target: `Target.setDiscoverTargets` and
 * `Target.setAutoAttach({ autoAttach, waitForDebuggerOnStart, flatten, filter })`,
 * repeated on every attached session so nested targets are caught too. For every
 * matching target (existing pages, pages created later, popups) it runs
 * `onAttached`, then `Runtime.runIfWaitingForDebugger` (after the setup settled, or
 * pipelined behind the setup's commands: see {@link AutoAttachOptions.resume}). It never sends
 * `Runtime.enable`. Resolves once the targets that existed are set up.
 */
export async function startAutoAttach(connection: CdpConnection, options: AutoAttachOptions): Promise<AutoAttach> {
  const filter = options.filter ?? DEFAULT_TARGET_FILTER;
  const clock = options.clock ?? systemCdpClock;
  const setupTimeoutMs = options.setupTimeoutMs ?? 10_000;
  const autoAttach = { autoAttach: true, waitForDebuggerOnStart: true, flatten: true, filter };
  const bySession = new Map<string, Tracked>();
  const byTarget = new Map<string, Tracked>();
  const inFlight = new Set<Promise<void>>();
  let state: AutoAttachState = 'RUNNING';

  const report = (error: unknown, info: TargetInfo): void => {
    const cdpError = CdpError.from(error);
    if (targetGone(cdpError)) return; // a page that closed during its setup is not a failure
    if (options.onError !== undefined) options.onError(cdpError, info);
    else process.emitWarning(`auto-attach ${info.type} ${info.targetId}: ${cdpError.message}`, 'CdpAutoAttachWarning');
  };
  const pipelined = options.resume === 'pipelined';
  /** Runs `onAttached` (synchronously when pipelined); resolves when it settled or timed out. */
  const setUp = (info: TargetInfo, session: CdpSession): Promise<void> =>
    new Promise<void>((resolve) => {
      const timer = clock.setTimeout(() => {
        const then = pipelined ? 'it was resumed already' : 'resuming it anyway';
        const message = `setup of ${info.targetId} took over ${setupTimeoutMs} ms; ${then}`;
        report(new CdpError({ code: 'TIMEOUT', message, sessionId: session.sessionId }), info);
        resolve();
      }, setupTimeoutMs);
      let started: Promise<void>;
      if (pipelined) {
        try {
          started = Promise.resolve(options.onAttached(info, session));
        } catch (error) {
          started = Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
      } else {
        started = Promise.resolve().then(() => options.onAttached(info, session));
      }
      void started
        .catch((error: unknown) => report(error, info))
        .finally(() => {
          timer.cancel();
          resolve();
        });
    });
  const resume = (session: CdpSession, info: TargetInfo): Promise<unknown> =>
    session.send('Runtime.runIfWaitingForDebugger').catch((e: unknown) => report(e, info));
  const attach = async (event: CdpEvents['Target.attachedToTarget']): Promise<void> => {
    const { targetInfo, waitingForDebugger } = event;
    const session = connection.session(event.sessionId);
    const wanted = state === 'RUNNING' && !byTarget.has(targetInfo.targetId) && targetMatchesFilter(targetInfo, filter);
    if (wanted) {
      const tracked: Tracked = { targetInfo, session };
      bySession.set(session.sessionId, tracked);
      byTarget.set(targetInfo.targetId, tracked);
      const recursive = session.send('Target.setAutoAttach', autoAttach).catch((e: unknown) => report(e, targetInfo));
      const setup = setUp(targetInfo, session);
      if (pipelined) {
        const resumed = waitingForDebugger ? resume(session, targetInfo) : undefined;
        await Promise.all([recursive, setup, resumed]);
        return;
      }
      await Promise.all([recursive, setup]);
    }
    // a second session on a tracked target (e.g. someone's manual attachToTarget) is left alone, only resumed
    if (waitingForDebugger) await resume(session, targetInfo);
  };
  const detach = (tracked: Tracked): void => {
    bySession.delete(tracked.session.sessionId);
    byTarget.delete(tracked.targetInfo.targetId);
    try {
      options.onDetached?.(tracked.targetInfo, tracked.session);
    } catch (error) {
      report(error, tracked.targetInfo);
    }
  };
  const detachAll = (): void => [...bySession.values()].forEach(detach);

  const offs = [
    connection.on('Target.attachedToTarget', (event) => {
      const run = attach(event);
      inFlight.add(run);
      void run.finally(() => inFlight.delete(run));
    }),
    connection.on('Target.detachedFromTarget', ({ sessionId }) => {
      const tracked = bySession.get(sessionId);
      if (tracked !== undefined) detach(tracked);
    }),
    connection.on('Target.targetInfoChanged', ({ targetInfo }) => {
      const tracked = byTarget.get(targetInfo.targetId);
      if (tracked !== undefined) tracked.targetInfo = targetInfo;
    }),
    connection.onClose(detachAll),
  ];
  const unsubscribe = (): void => offs.forEach((off) => void off());

  try {
    await connection.send('Target.setDiscoverTargets', { discover: true, filter });
    await connection.send('Target.setAutoAttach', autoAttach);
  } catch (error) {
    state = 'STOPPED';
    unsubscribe();
    throw error;
  }
  while (inFlight.size > 0) await Promise.all([...inFlight]);

  return {
    get state() {
      return state;
    },
    targets: () => [...bySession.values()].map(({ targetInfo, session }) => ({ targetInfo, session })),
    async stop() {
      if (state === 'STOPPED') return;
      state = 'STOPPED';
      try {
        if (connection.state === 'OPEN') {
          await connection.send('Target.setAutoAttach', {
            autoAttach: false,
            waitForDebuggerOnStart: false,
            flatten: true,
          });
          await connection.send('Target.setDiscoverTargets', { discover: false });
        }
      } catch (error) {
        if (!isCdpError(error, 'CLOSED')) throw error; // a closed connection has nothing left to stop
      } finally {
        unsubscribe();
        detachAll();
      }
    },
  };
}

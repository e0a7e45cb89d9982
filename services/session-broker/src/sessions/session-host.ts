/**
 * The owner side of sessions: what the replica holding a session's capacity
 * and browser does with it. It starts a session (seat, context, first page,
 * emulation, start_url → READY), finishes a close another party requested
 * (cut CDP connections, dispose of the context or the dedicated browser, free
 * the seat → CLOSED), and fails the sessions of a lost browser. Cleanup of one
 * session runs once, whichever path gets there first.
 */
import type { Clock, Logger } from '@nightglow/runtime';
import { BrokerError, isBrokerError } from '../errors.js';
import { WHOLE_BROWSER } from '../browsers/browser-agent.js';
import { navigatePage } from '../browsers/page-setup.js';
import type { PoolRegistry } from '../pools/pool-registry.js';
import type { ProxyConnections } from '../proxy/connections.js';
import type { SessionStore } from '../store/port.js';
import type { SessionLifecycle } from './lifecycle.js';
import { openSessionPage } from './first-page.js';
import type { CloseReasonName, SessionRecord } from './record.js';
import type { SidecarNotifier } from './sidecar.js';

/** A browser that went away and the sessions it hosted. */
export type BrowserLoss = {
  readonly pool: string;
  readonly browserId: string;
  readonly sessionIds: readonly string[];
  readonly message: string;
};

type Local = {
  readonly id: string;
  readonly pool: string;
  readonly abort: AbortController;
  browserId: string;
  contextId: string;
  sidecar: string;
  starting: Promise<unknown> | undefined;
  cleaned: Promise<void> | undefined;
};

/** Dependencies of {@link createSessionHost}. */
export type SessionHostDeps = {
  readonly lifecycle: SessionLifecycle;
  readonly store: SessionStore;
  readonly pools: PoolRegistry;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly connections: ProxyConnections;
  readonly sidecars: SidecarNotifier;
  readonly startTimeoutMs: number;
  /** A session turned READY, `acquireMs` after it was accepted. */
  readonly onReady?: (record: SessionRecord, acquireMs: number) => void;
};

/** The owner side of this replica's sessions. */
export type SessionHost = {
  /** Registers a session this replica accepted (queued or holding a seat). */
  adopt(id: string, pool: string): void;
  owns(id: string): boolean;
  /** Aborted when the session is being closed while it waits or starts. */
  signal(id: string): AbortSignal | undefined;
  /** STARTING → READY. On failure the session ends FAILED/START_FAILED and this rejects. */
  start(id: string): Promise<SessionRecord>;
  /** Finishes a requested close of a session this replica owns: CLOSING → CLOSED. */
  finishClose(id: string): Promise<void>;
  /** Ends an owned session FAILED with `reason` after cleaning up. */
  fail(id: string, reason: CloseReasonName, message: string): Promise<void>;
  /** A browser went away: its sessions end FAILED/BROWSER_CRASHED with `message`. */
  browserLost(lost: BrowserLoss): void;
  /** Ids of the sessions this replica owns. */
  ids(): string[];
};

/** Creates the owner side. */
export function createSessionHost(deps: SessionHostDeps): SessionHost {
  const { lifecycle, store, pools, clock, logger, connections } = deps;
  const locals = new Map<string, Local>();

  const cleanup = (local: Local): Promise<void> => {
    local.cleaned ??= (async () => {
      local.abort.abort();
      await local.starting?.catch(() => undefined);
      connections.cut(local.id, 'session closed');
      const pool = pools.find(local.pool);
      const browser = pool?.fleet.get(local.browserId);
      if (browser?.agent !== undefined && local.contextId !== '') {
        await browser.agent.disposeContext(local.contextId).catch(() => undefined);
      }
      if (browser?.agent !== undefined && local.contextId === '') browser.agent.setEmulation(WHOLE_BROWSER, undefined);
      if (local.browserId !== '') await pool?.fleet.unplace(local.id, local.browserId);
      pool?.queue.cancel(local.id, 'session closed while queued');
      pool?.queue.release(local.id);
      if (local.sidecar !== '') await deps.sidecars.detach(local.sidecar, local.id);
      locals.delete(local.id);
    })();
    return local.cleaned;
  };

  const openFirstPage = async (local: Local, r: SessionRecord): Promise<SessionRecord> => {
    const opened = await openSessionPage(pools.get(r.pool).fleet, r, (placed) => {
      local.browserId = placed.browserId;
      local.contextId = placed.contextId;
    });
    local.sidecar = opened.sidecarAddress;
    const placed = await lifecycle.patch(r.id, () => ({
      browserId: local.browserId,
      browserContextId: local.contextId,
      pageTargetId: opened.targetId,
      sidecarAddress: local.sidecar,
    }));
    if (r.effective.startUrl !== '') {
      const { waitUntil, startUrl } = r.effective;
      await navigatePage(opened.session, startUrl, {
        waitUntil,
        timeoutMs: deps.startTimeoutMs,
        signal: local.abort.signal,
      });
    }
    return placed ?? r;
  };

  const fail = async (id: string, reason: CloseReasonName, message: string): Promise<void> => {
    const local = locals.get(id);
    if (local !== undefined) await cleanup(local);
    await lifecycle.transition(id, 'FAILED', () => ({ closeReason: reason, closeMessage: message }));
  };

  const start = async (id: string): Promise<SessionRecord> => {
    const local = locals.get(id);
    const r = await store.get(id);
    if (local === undefined || r === undefined || r.state !== 'STARTING') {
      throw new BrokerError('CANCELLED', `session ${id} was closed before it started`);
    }
    const run = openFirstPage(local, r);
    local.starting = run;
    try {
      await run;
      if (local.abort.signal.aborted) throw new BrokerError('CANCELLED', `session ${id} was closed while starting`);
      const ready = await lifecycle.transition(id, 'READY', () => ({ lastActivityMs: clock.now() }));
      if (ready === undefined) throw new BrokerError('CANCELLED', `session ${id} was closed while starting`);
      if (local.sidecar !== '') {
        const s = { sessionId: id, browserContextId: local.contextId, pool: r.pool, labels: r.labels };
        await deps.sidecars.attach(local.sidecar, s);
      }
      deps.onReady?.(ready, clock.now() - r.createTimeMs);
      return ready;
    } catch (e) {
      if (local.abort.signal.aborted || isBrokerError(e, 'CANCELLED')) {
        throw new BrokerError('CANCELLED', `session ${id} was closed before it became READY`, { cause: e });
      }
      const message = e instanceof Error ? e.message : String(e);
      logger.warn({ session_id: id, err: e }, 'session failed to start');
      await fail(id, 'START_FAILED', message);
      throw new BrokerError('UNAVAILABLE', `session could not be started: ${message}`, { cause: e });
    } finally {
      local.starting = undefined;
    }
  };

  return {
    adopt(id, pool) {
      locals.set(id, {
        id,
        pool,
        abort: new AbortController(),
        browserId: '',
        contextId: '',
        sidecar: '',
        starting: undefined,
        cleaned: undefined,
      });
    },
    owns: (id) => locals.has(id),
    signal: (id) => locals.get(id)?.abort.signal,
    start,
    async finishClose(id) {
      const local = locals.get(id);
      if (local !== undefined) await cleanup(local);
      await lifecycle.transition(id, 'CLOSED');
    },
    fail,
    browserLost({ sessionIds, message }) {
      for (const id of sessionIds) {
        const local = locals.get(id);
        if (local !== undefined) local.browserId = ''; // the fleet already forgot the browser
        if (local !== undefined) local.contextId = '';
        void fail(id, 'BROWSER_CRASHED', message).catch((e: unknown) =>
          logger.error({ err: e, session_id: id }, 'fail'),
        );
      }
    },
    ids: () => [...locals.keys()],
  };
}

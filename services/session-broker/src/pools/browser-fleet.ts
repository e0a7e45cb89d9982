/**
 * The browsers of one pool on this replica: connects to what the source
 * offers or launches, places sessions least-loaded (`placement.ts`), recycles,
 * and reports lost browsers. Reservations are synchronous, so concurrent
 * placements never pick the same last seat or launch a browser each.
 *
 * Browser lifecycle (`BrowserStateName`): STARTING (launching/connecting) →
 * READY → DRAINING (no new sessions; stopped when empty) → gone; or
 * UNHEALTHY → gone when it crashed or its connection dropped.
 */
import type { Clock, Logger } from '@nightglow/runtime';
import { BrokerError } from '../errors.js';
import type { BrowserEndpoint, BrowserSource } from '../browsers/source.js';
import type { IsolationName } from '../sessions/record.js';
import type { PoolConfig } from './pool-config.js';
import { startManagedBrowser, type ManagedBrowser, type ManagedBrowserConnect } from './managed-browser.js';
import { choosePlacement, type BrowserRole } from './placement.js';

/** Dependencies of {@link createBrowserFleet}. */
export type FleetDeps = {
  readonly pool: PoolConfig;
  readonly source: BrowserSource;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly connect: ManagedBrowserConnect;
  /** A browser went away unasked; its sessions must end FAILED. */
  readonly onLost: (browserId: string, sessionIds: readonly string[], message: string) => void;
  readonly onLaunched?: () => void;
};

/** One browser of the fleet (see `managed-browser.ts`). */
export type { ManagedBrowser };

/** The fleet of one pool. */
export type BrowserFleet = {
  start(): Promise<void>;
  /** Reserves a seat for `sessionId` and resolves once its browser is READY; rejects UNAVAILABLE. */
  place(sessionId: string, isolation: IsolationName, proxyServer: string): Promise<ManagedBrowser>;
  /** The session left its browser: recycles, retires a dedicated browser, tops up the warm set. */
  unplace(sessionId: string, browserId: string): Promise<void>;
  get(id: string): ManagedBrowser | undefined;
  list(): ManagedBrowser[];
  /** Memory budget, idle trimming and prewarm top-up; called periodically. */
  maintain(): Promise<void>;
  close(): Promise<void>;
};

/** Creates the fleet of one pool. */
export function createBrowserFleet(deps: FleetDeps): BrowserFleet {
  const { pool, source, clock, logger } = deps;
  const local = pool.source.kind === 'local' ? pool.source : undefined;
  const browsers = new Map<string, ManagedBrowser>();
  let seq = 0;
  let closed = false;

  const track = (id: string, role: BrowserRole, endpoint: Promise<BrowserEndpoint>): ManagedBrowser => {
    const b = startManagedBrowser({
      id,
      role,
      endpoint,
      connect: deps.connect,
      clock,
      isCurrent: (x) => browsers.get(x.id) === x && !closed,
      onConnectionClosed: (x) => void lose(x.id, 'the CDP connection to the browser closed', true),
    });
    browsers.set(id, b);
    b.ready.catch((e: unknown) => {
      if (!closed) logger.warn({ err: e, pool: pool.name, browser: id }, 'browser failed to start');
      void retire(b);
    });
    return b;
  };

  const launch = (role: BrowserRole, proxyServer: string): ManagedBrowser => {
    const id = `local-${++seq}`;
    deps.onLaunched?.();
    return track(id, role, source.launch({ id, proxyServer }));
  };

  const retire = async (b: ManagedBrowser): Promise<void> => {
    if (browsers.get(b.id) !== b) return;
    browsers.delete(b.id);
    await b.agent?.close().catch(() => undefined);
    await source.release(b.id).catch((e: unknown) => logger.warn({ err: e, browser: b.id }, 'release failed'));
    topUp();
  };

  const lose = async (id: string, message: string, viaConnection: boolean): Promise<void> => {
    const b = browsers.get(id);
    if (b === undefined || closed) return;
    // A local browser's process exit says more than its closed socket: give it a moment to arrive.
    if (viaConnection && local !== undefined) await new Promise((r) => setTimeout(r, 300));
    if (browsers.get(id) !== b) return;
    b.state = 'UNHEALTHY';
    browsers.delete(id);
    logger.warn({ pool: pool.name, browser: id, sessions: b.sessions.size, message }, 'browser lost');
    deps.onLost(id, [...b.sessions], message);
    await b.agent?.close().catch(() => undefined);
    if (viaConnection || local === undefined) await source.release(id).catch(() => undefined);
    topUp();
  };

  const topUp = (): void => {
    if (local === undefined || closed) return;
    const warm = [...browsers.values()].filter((b) => b.role === 'warm' && b.state !== 'UNHEALTHY').length;
    for (let i = warm; i < local.prewarm; i++) launch('warm', '');
  };

  const place = async (sessionId: string, isolation: IsolationName, proxyServer: string): Promise<ManagedBrowser> => {
    if (closed) throw new BrokerError('UNAVAILABLE', `pool ${pool.name} is shutting down`);
    const candidates = [...browsers.values()].map((b) => ({
      id: b.id,
      state: b.state,
      role: b.role,
      sessionCount: b.sessions.size,
      maxSessions: b.role === 'dedicated' ? 1 : pool.sessionsPerBrowser,
    }));
    const dedicatedProxy = isolation === 'BROWSER' && proxyServer !== '';
    const decision = dedicatedProxy
      ? ({ kind: 'launch', role: 'dedicated' } as const)
      : choosePlacement(candidates, isolation, source.canLaunch);
    let b: ManagedBrowser | undefined;
    if (decision.kind === 'none') throw new BrokerError('UNAVAILABLE', `pool ${pool.name}: ${decision.why}`);
    if (decision.kind === 'launch') b = launch(decision.role, dedicatedProxy ? proxyServer : '');
    else {
      b = browsers.get(decision.browserId);
      if (b === undefined) throw new BrokerError('UNAVAILABLE', `browser ${decision.browserId} vanished`);
      b.role = decision.role;
    }
    b.sessions.add(sessionId);
    b.sessionsServed++;
    topUp();
    try {
      await b.ready;
    } catch (e) {
      b.sessions.delete(sessionId);
      throw new BrokerError('UNAVAILABLE', `no browser could be started: ${(e as Error).message}`, { cause: e });
    }
    if (browsers.get(b.id) !== b) throw new BrokerError('UNAVAILABLE', `browser ${b.id} went away`);
    return b;
  };

  const unplace = async (sessionId: string, browserId: string): Promise<void> => {
    const b = browsers.get(browserId);
    if (b === undefined || !b.sessions.delete(sessionId)) return;
    if (b.sessions.size === 0) b.idleSinceMs = clock.now();
    const recycle =
      local !== undefined && local.recycleAfterSessions > 0 && b.sessionsServed >= local.recycleAfterSessions;
    if (recycle && b.state === 'READY') b.state = 'DRAINING';
    if (b.role === 'dedicated' || (b.state === 'DRAINING' && b.sessions.size === 0)) await retire(b);
  };

  const maintain = async (): Promise<void> => {
    if (closed) return;
    const now = clock.now();
    for (const b of [...browsers.values()]) {
      if (b.state !== 'READY' || b.role === 'dedicated') continue;
      const rss = local !== undefined && local.memoryBudgetBytes > 0 ? source.memoryBytes(b.id) : undefined;
      if (rss !== undefined && local !== undefined && rss > local.memoryBudgetBytes) {
        logger.info({ pool: pool.name, browser: b.id, rss }, 'browser over its memory budget: draining');
        b.state = 'DRAINING';
      }
      const idle =
        b.sessions.size === 0 && b.role === 'shared' && now - b.idleSinceMs >= (local?.idleBrowserMs ?? Infinity);
      if (b.sessions.size === 0 && (b.state === 'DRAINING' || idle)) await retire(b);
    }
    topUp();
  };

  return {
    async start() {
      await source.start({
        added: (ep) => {
          if (!browsers.has(ep.id)) track(ep.id, 'shared', Promise.resolve(ep));
        },
        removed: (id, message, crashed) => void (crashed ? lose(id, message, false) : undefined),
      });
      topUp();
    },
    place,
    unplace,
    get: (id) => browsers.get(id),
    list: () => [...browsers.values()],
    maintain,
    async close() {
      closed = true;
      const all = [...browsers.values()];
      browsers.clear();
      await Promise.all(all.map((b) => b.agent?.close().catch(() => undefined)));
      await source.close();
    },
  };
}

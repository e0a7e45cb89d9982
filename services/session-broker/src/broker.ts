/**
 * Assembles the broker from its ports: state backend, change observers (the
 * event bus), browser sources, browser connector, sidecar notifier, clock.
 * Everything below talks to interfaces; `service.ts` picks the real
 * implementations from the configuration, tests pick a manual clock or fakes.
 *
 * Lifecycle: built → `start()` (pools prewarm, reaper runs) → `close()` (cut
 * proxy connections, stop the reaper, close the sessions this replica owns
 * with POOL_REMOVED, stop the browsers).
 */
import type { ServiceImpl } from '@connectrpc/connect';
import type { SessionBroker } from '@nightglow/contracts/broker/v1';
import type { Clock, Logger, Metrics } from '@nightglow/runtime';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { BrowserAgent } from './browsers/browser-agent.js';
import type { BrowserEndpoint, BrowserSource } from './browsers/source.js';
import type { BrokerConfig } from './config.js';
import { localBrowserViewOf, localTargetOf } from './local-views.js';
import { createBrokerMetrics, gaugeSourcesOf, type BrokerMetrics } from './metrics.js';
import type { PoolConfig } from './pools/pool-config.js';
import { createPoolRegistry, type PoolRegistry } from './pools/pool-registry.js';
import { createProxyConnections } from './proxy/connections.js';
import { createUpgradeHandler } from './proxy/upgrade-handler.js';
import { createHandlers } from './rpc/handlers.js';
import { createTrustedCallers } from './rpc/trusted-callers.js';
import { createActivityTracker } from './sessions/activity.js';
import { createLifecycle, type ChangeObserver } from './sessions/lifecycle.js';
import { isTerminal } from './sessions/record.js';
import { createReaper } from './sessions/reaper.js';
import { createSessionHost, type SessionHost } from './sessions/session-host.js';
import { createSessionService, type ReplicaIdentity } from './sessions/session-service.js';
import type { SidecarNotifier } from './sessions/sidecar.js';
import type { TokenAuthority } from './sessions/tokens.js';
import type { StateBackend } from './store/port.js';

/** The ports and settings the broker is built from. */
export type BrokerDeps = {
  readonly config: BrokerConfig;
  readonly backend: StateBackend;
  readonly observers: readonly ChangeObserver[];
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tokens: TokenAuthority;
  readonly identity: ReplicaIdentity;
  readonly sourceFor: (pool: PoolConfig) => BrowserSource;
  readonly connect: (endpoint: BrowserEndpoint) => Promise<BrowserAgent>;
  readonly sidecars: SidecarNotifier;
};

/** A built broker. */
export type Broker = {
  readonly handlers: ServiceImpl<typeof SessionBroker>;
  readonly httpUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  readonly pools: PoolRegistry;
  readonly host: SessionHost;
  start(): Promise<void>;
  close(): Promise<void>;
};

/** Builds (does not start) the broker. */
export function createBroker(deps: BrokerDeps): Broker {
  const { config, backend, clock, logger, identity } = deps;
  const store = backend.sessions;
  const onError = (e: unknown): void => logger.warn({ err: e }, 'session bookkeeping failed');
  const m: BrokerMetrics = createBrokerMetrics(
    deps.metrics,
    gaugeSourcesOf({ store, pools: () => pools.list(), connections: () => connections, replicaId: identity.id }),
  );
  const countCreated: ChangeObserver = (c) => {
    if (c.type === 'CREATED') m.created.child(c.session.pool, c.session.effective.isolation).inc();
  };
  const lifecycle = createLifecycle({ store, clock, observers: [...deps.observers, countCreated], onError });
  const pools = createPoolRegistry({
    pools: config.pools,
    clock,
    logger,
    sourceFor: deps.sourceFor,
    connect: deps.connect,
    onLost: (loss) => {
      m.lost.child(loss.pool).inc();
      owner.browserLost(loss);
    },
    onPositions: (_pool, changes) => {
      for (const { id, position } of changes) {
        const move = { queuePosition: position };
        const patch = lifecycle.patch(
          id,
          (c) => (c.state === 'QUEUED' && c.queuePosition !== position ? move : undefined),
          'QUEUE_POSITION_CHANGED',
        );
        patch.catch(onError);
      }
    },
    onLaunched: (pool) => m.launches.child(pool).inc(),
    maintainEveryMs: 10_000,
    // Replicas on one Redis share static and kubernetes browsers, so they share those pools' seats.
    ...(backend.kind === 'redis'
      ? { sharedSeats: { ledger: backend.seats, replicaId: identity.id, pollEveryMs: config.reapIntervalMs } }
      : {}),
  });
  const connections = createProxyConnections();
  const owner: SessionHost = createSessionHost({
    lifecycle,
    store,
    pools,
    clock,
    logger,
    connections,
    sidecars: deps.sidecars,
    startTimeoutMs: config.sessionStartTimeoutMs,
    onReady: (r, ms) => m.acquire.child(r.pool, r.effective.isolation).observe(ms / 1000),
  });
  const sessions = createSessionService({
    store,
    lifecycle,
    host: owner,
    pools,
    clock,
    logger,
    tokens: () => deps.tokens,
    identity,
    onQueueWait: (pool, ms) => m.queueWait.child(pool).observe(ms / 1000),
  });
  const activity = createActivityTracker({ lifecycle, clock, minIntervalMs: 1000, onError });
  const reaper = createReaper({
    store,
    lease: backend.lease,
    replicas: backend.replicas,
    lifecycle,
    clock,
    logger,
    replicaId: identity.id,
    intervalMs: config.reapIntervalMs,
    retentionMs: config.retentionMs,
    finishOwned: (id) => sessions.finishClose(id),
    onReaped: (outcome) => m.reaped.child(outcome).inc(),
    onLeadership: (leader) => m.leader.set(leader ? 1 : 0),
  });
  const httpUpgrade = createUpgradeHandler({
    store,
    tokens: () => deps.tokens,
    replicaId: identity.id,
    localTarget: localTargetOf(pools, owner),
    connections,
    activity,
    counters: (pool) => m.proxyCounters(pool),
    onRefused: (status) => m.proxyRefused.child(String(status)).inc(),
    logger,
  });
  const handlers = createHandlers({
    sessions,
    pools,
    store,
    clock,
    screencast: {
      store,
      clock,
      replicaId: identity.id,
      token: (id) => deps.tokens.issue(id),
      local: localBrowserViewOf(pools, owner),
    },
    trustedCallers: createTrustedCallers(config.trustedCallerKeys),
    issueToken: (id) => deps.tokens.issue(id),
  });
  let unsubscribe: () => void = () => undefined;
  return {
    handlers,
    httpUpgrade,
    pools,
    host: owner,
    async start() {
      unsubscribe = store.subscribe((change) => {
        if (isTerminal(change.session.state) || change.session.state === 'CLOSING') {
          activity.forget(change.session.id);
          if (!owner.owns(change.session.id)) connections.cut(change.session.id, 'session closed');
        }
        sessions.onChange(change);
      });
      await pools.start();
      reaper.start();
    },
    async close() {
      connections.cutAll('the broker is shutting down');
      await reaper.stop();
      const message = 'the broker replica holding the session shut down';
      await Promise.allSettled(
        owner.ids().map(async (id) => {
          await lifecycle.requestClose(id, 'POOL_REMOVED', message);
          await owner.finishClose(id);
        }),
      );
      unsubscribe();
      await pools.close();
    },
  };
}

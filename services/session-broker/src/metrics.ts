/**
 * The broker's metrics, on the service's registry (`/metrics`). Per-event
 * counters and histograms use the runtime's hot-path families (the proxy
 * counts every CDP frame); gauges are computed at scrape time from the state
 * this replica owns.
 *
 * | metric | type | labels |
 * |---|---|---|
 * | `nightglow_broker_sessions` | gauge | `pool`, `state` (sessions this replica owns, retained ones included) |
 * | `nightglow_broker_sessions_created_total` | counter | `pool`, `isolation` |
 * | `nightglow_broker_acquire_seconds` | histogram | `pool`, `isolation` (accepted → READY) |
 * | `nightglow_broker_queue_length` | gauge | `pool` |
 * | `nightglow_broker_queue_wait_seconds` | histogram | `pool` (granted or timed out) |
 * | `nightglow_broker_proxy_messages_total` | counter | `pool`, `direction` (`client_to_browser`, `browser_to_client`) |
 * | `nightglow_broker_proxy_bytes_total` | counter | `pool`, `direction` |
 * | `nightglow_broker_proxy_connections` | gauge | (open CDP connections) |
 * | `nightglow_broker_proxy_refused_total` | counter | `status` (401, 403, 404, 409, 502, 508) |
 * | `nightglow_broker_browsers` | gauge | `pool`, `state` |
 * | `nightglow_broker_browser_launches_total` | counter | `pool` |
 * | `nightglow_broker_browsers_lost_total` | counter | `pool` |
 * | `nightglow_broker_reaped_total` | counter | `outcome` (`TTL_EXPIRED`, `IDLE_TIMEOUT`, `OWNER_GONE`, `FORGOTTEN`) |
 * | `nightglow_broker_reaper_leader` | gauge | (1 while this replica holds the reaper lease) |
 */
import {
  LATENCY_BUCKETS,
  counterFamily,
  gaugeFamily,
  histogramFamily,
  type CounterChild,
  type Family,
  type GaugeChild,
  type HistogramChild,
  type Metrics,
} from '@nightglow/runtime';
import { Gauge } from 'prom-client';
import type { PoolRuntime } from './pools/pool-registry.js';
import type { BridgeCounters } from './proxy/bridge.js';
import type { ProxyConnections } from './proxy/connections.js';
import type { SessionStore } from './store/port.js';

/** The broker's metric handles. */
export type BrokerMetrics = {
  readonly created: Family<CounterChild>;
  readonly acquire: Family<HistogramChild>;
  readonly queueWait: Family<HistogramChild>;
  readonly proxyRefused: Family<CounterChild>;
  readonly launches: Family<CounterChild>;
  readonly lost: Family<CounterChild>;
  readonly reaped: Family<CounterChild>;
  readonly leader: GaugeChild;
  /** Cached per-pool proxy counters for the bridge. */
  proxyCounters(pool: string): BridgeCounters;
};

/** Scrape-time sources of the gauges. */
export type GaugeSources = {
  /** Sessions this replica owns, counted by pool and state. */
  readonly sessions: () => Promise<readonly { pool: string; state: string; count: number }[]>;
  readonly queueLengths: () => readonly { pool: string; length: number }[];
  readonly browsers: () => readonly { pool: string; state: string; count: number }[];
  readonly proxyConnections: () => number;
};

/** The gauge sources of a replica: sessions it owns (from the store), its queues, browsers and connections. */
export function gaugeSourcesOf(o: {
  readonly store: SessionStore;
  readonly pools: () => readonly PoolRuntime[];
  readonly connections: () => ProxyConnections;
  readonly replicaId: string;
}): GaugeSources {
  const count = <T extends { pool: string; state: string }>(items: readonly T[]) => {
    const counts = new Map<string, { pool: string; state: string; count: number }>();
    for (const { pool, state } of items) {
      const key = `${pool}\u0000${state}`;
      counts.set(key, { pool, state, count: (counts.get(key)?.count ?? 0) + 1 });
    }
    return [...counts.values()];
  };
  return {
    sessions: async () => count((await o.store.list()).filter((r) => r.ownerId === o.replicaId)),
    queueLengths: () => o.pools().map((p) => ({ pool: p.config.name, length: p.queue.queued() })),
    browsers: () =>
      count(o.pools().flatMap((p) => p.fleet.list().map((b) => ({ pool: p.config.name, state: b.state })))),
    proxyConnections: () => o.connections().count(),
  };
}

const WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** Registers every broker metric on `metrics.registry`. */
export function createBrokerMetrics(metrics: Metrics, sources: GaugeSources): BrokerMetrics {
  const registry = metrics.registry;
  const counter = (name: string, help: string, labelNames: string[]): Family<CounterChild> =>
    counterFamily({ name, help, labelNames, registry });
  const messages = counter('nightglow_broker_proxy_messages_total', 'CDP frames through the proxy.', [
    'pool',
    'direction',
  ]);
  const bytes = counter('nightglow_broker_proxy_bytes_total', 'CDP bytes through the proxy.', ['pool', 'direction']);
  const cache = new Map<string, BridgeCounters>();
  new Gauge({
    name: 'nightglow_broker_sessions',
    help: 'Sessions this replica owns, by pool and state (retained CLOSED/FAILED included).',
    labelNames: ['pool', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of await sources.sessions()) this.set({ pool: s.pool, state: s.state }, s.count);
    },
  });
  new Gauge({
    name: 'nightglow_broker_queue_length',
    help: 'Requests waiting for capacity, by pool.',
    labelNames: ['pool'],
    registers: [registry],
    collect() {
      for (const q of sources.queueLengths()) this.set({ pool: q.pool }, q.length);
    },
  });
  new Gauge({
    name: 'nightglow_broker_browsers',
    help: 'Browsers by pool and state.',
    labelNames: ['pool', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const b of sources.browsers()) this.set({ pool: b.pool, state: b.state }, b.count);
    },
  });
  new Gauge({
    name: 'nightglow_broker_proxy_connections',
    help: 'Open CDP proxy connections.',
    registers: [registry],
    collect() {
      this.set(sources.proxyConnections());
    },
  });
  return {
    created: counter('nightglow_broker_sessions_created_total', 'Sessions accepted.', ['pool', 'isolation']),
    acquire: histogramFamily({
      name: 'nightglow_broker_acquire_seconds',
      help: 'Time from accepting a session to READY.',
      labelNames: ['pool', 'isolation'],
      buckets: LATENCY_BUCKETS,
      registry,
    }),
    queueWait: histogramFamily({
      name: 'nightglow_broker_queue_wait_seconds',
      help: 'Time requests waited in the queue.',
      labelNames: ['pool'],
      buckets: WAIT_BUCKETS,
      registry,
    }),
    proxyRefused: counter('nightglow_broker_proxy_refused_total', 'CDP upgrades refused, by HTTP status.', ['status']),
    launches: counter('nightglow_broker_browser_launches_total', 'Local browsers launched.', ['pool']),
    lost: counter('nightglow_broker_browsers_lost_total', 'Browsers lost (crashed, unreachable).', ['pool']),
    reaped: counter('nightglow_broker_reaped_total', 'Reaper actions.', ['outcome']),
    leader: gaugeFamily({
      name: 'nightglow_broker_reaper_leader',
      help: '1 while this replica holds the reaper lease.',
      labelNames: [],
      registry,
    }).child(),
    proxyCounters(pool) {
      let c = cache.get(pool);
      if (c === undefined) {
        c = {
          clientMessages: messages.child(pool, 'client_to_browser'),
          clientBytes: bytes.child(pool, 'client_to_browser'),
          browserMessages: messages.child(pool, 'browser_to_client'),
          browserBytes: bytes.child(pool, 'browser_to_client'),
        };
        cache.set(pool, c);
      }
      return c;
    },
  };
}

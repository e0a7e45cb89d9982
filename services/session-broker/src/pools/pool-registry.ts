/**
 * The pools of this replica: each pool's configuration, capacity and browser
 * fleet, looked up by name (NOT_FOUND for an unknown one), with a periodic
 * maintenance pass (memory budget, idle trimming, prewarm top-up). A static or
 * kubernetes pool's capacity is pool-wide when `sharedSeats` is given (replicas
 * on one Redis); a local pool's is always this replica's own (its browsers are).
 */
import type { Clock, Logger, TimerHandle } from '@nightglow/runtime';
import { notFoundError } from '../errors.js';
import type { BrowserAgent } from '../browsers/browser-agent.js';
import type { BrowserEndpoint, BrowserSource } from '../browsers/source.js';
import { createBrowserFleet, type BrowserFleet } from './browser-fleet.js';
import type { SeatLedger } from '../store/port.js';
import { createCapacityQueue, type PositionChange } from './capacity-queue.js';
import { localCapacity, type PoolCapacity } from './pool-capacity.js';
import { createSharedCapacity } from './shared-capacity.js';
import type { BrowserLoss } from '../sessions/session-host.js';
import type { PoolConfig } from './pool-config.js';

/** One pool on this replica. */
export type PoolRuntime = {
  readonly config: PoolConfig;
  /** Seats and FIFO queue (this replica's, or pool-wide). */
  readonly queue: PoolCapacity;
  readonly fleet: BrowserFleet;
};

/** Dependencies of {@link createPoolRegistry}. */
export type PoolRegistryDeps = {
  readonly pools: readonly PoolConfig[];
  readonly clock: Clock;
  readonly logger: Logger;
  /** Builds the browser source of a pool. */
  readonly sourceFor: (pool: PoolConfig) => BrowserSource;
  readonly connect: (endpoint: BrowserEndpoint) => Promise<BrowserAgent>;
  readonly onLost: (loss: BrowserLoss) => void;
  readonly onPositions: (pool: string, changes: readonly PositionChange[]) => void;
  readonly onLaunched?: (pool: string) => void;
  /** Period of the maintenance pass, ms. */
  readonly maintainEveryMs: number;
  /** Pool-wide seats of static and kubernetes pools (replicas sharing Redis); unset = per replica. */
  readonly sharedSeats?: {
    readonly ledger: SeatLedger;
    readonly replicaId: string;
    /** Period of the waiters' re-check and the ledger sweep, ms. */
    readonly pollEveryMs: number;
  };
};

/** Every pool of this replica. */
export type PoolRegistry = {
  /** The pool named `name`; NOT_FOUND otherwise. */
  get(name: string): PoolRuntime;
  find(name: string): PoolRuntime | undefined;
  /** Every pool, ordered by name. */
  list(): PoolRuntime[];
  /** Starts every fleet (prewarm included) and the maintenance timer. */
  start(): Promise<void>;
  close(): Promise<void>;
};

/** Creates the pools of this replica. */
export function createPoolRegistry(deps: PoolRegistryDeps): PoolRegistry {
  const pools = new Map<string, PoolRuntime>();
  for (const config of [...deps.pools].sort((a, b) => a.name.localeCompare(b.name))) {
    const limits = { pool: config.name, maxInUse: config.maxSessions, maxQueued: config.maxQueued };
    const onPositions = (changes: readonly PositionChange[]): void => deps.onPositions(config.name, changes);
    const shared = config.source.kind === 'local' ? undefined : deps.sharedSeats;
    const queue =
      shared === undefined
        ? localCapacity(createCapacityQueue({ ...limits, clock: deps.clock, onPositions }))
        : createSharedCapacity({ ...limits, ...shared, clock: deps.clock, logger: deps.logger, onPositions });
    const fleet = createBrowserFleet({
      pool: config,
      source: deps.sourceFor(config),
      clock: deps.clock,
      logger: deps.logger,
      connect: deps.connect,
      onLost: (browserId, sessionIds, message) => deps.onLost({ pool: config.name, browserId, sessionIds, message }),
      onLaunched: () => deps.onLaunched?.(config.name),
    });
    pools.set(config.name, { config, queue, fleet });
  }
  let timer: TimerHandle | undefined;
  let closed = false;
  const schedule = (): void => {
    if (closed) return;
    timer = deps.clock.setTimeout(() => {
      void Promise.allSettled([...pools.values()].map((p) => p.fleet.maintain())).then(schedule);
    }, deps.maintainEveryMs);
  };
  return {
    get(name) {
      const p = pools.get(name);
      if (p === undefined) throw notFoundError('pool', name);
      return p;
    },
    find: (name) => pools.get(name),
    list: () => [...pools.values()],
    async start() {
      await Promise.all([...pools.values()].map((p) => p.fleet.start()));
      schedule();
    },
    async close() {
      closed = true;
      timer?.cancel();
      for (const p of pools.values()) p.queue.close();
      await Promise.all([...pools.values()].map((p) => p.fleet.close()));
    },
  };
}

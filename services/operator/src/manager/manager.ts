/**
 * The manager: runs a set of controllers, alone or behind Lease-based leader
 * election. With election, only the leader runs informers and controllers; a
 * standby campaigns every retry period and takes over when the leader
 * releases the Lease (on shutdown) or stops renewing it (crash: within the
 * lease duration). Losing the Lease stops the controllers at once; a new set
 * is built if leadership comes back.
 *
 * Lifecycle: NEW → (start) STANDBY ⇄ LEADING → (stop) STOPPED. Without
 * election the manager goes straight to LEADING.
 */
import type { Clock, Logger } from '@nightglow/runtime';
import { createLeaderElector, type LeaderElector, type LeaseTiming } from '../controller/leader-election.js';
import type { ControllerMetrics } from '../controller/metrics.js';
import {
  createControllerSet,
  type ControllerSet,
  type ControllerSetOptions,
  type ControllerSpec,
} from './controller-set.js';

/** The manager's lifecycle state. */
export type ManagerState = 'NEW' | 'STANDBY' | 'LEADING' | 'STOPPED';

/** Leader election settings; omit to run without election. */
export type LeaderElectionOptions = LeaseTiming & {
  readonly namespace: string;
  /** Lease name; default `nightglow-operator`. */
  readonly name?: string;
  readonly identity: string;
};

/** Options of {@link createManager}. */
export type ManagerOptions = ControllerSetOptions & {
  readonly specs: readonly ControllerSpec[];
  readonly leaderElection?: LeaderElectionOptions | undefined;
  readonly metrics?: ControllerMetrics | undefined;
};

/** A running manager. */
export type Manager = {
  start(): void;
  stop(): Promise<void>;
  state(): ManagerState;
  /** Ready: a standby, or a leader whose caches have synced. */
  ready(): boolean;
  /** Resolves once {@link Manager.ready} holds (checked every 50 ms), or false after `timeoutMs`. */
  whenReady(timeoutMs: number): Promise<boolean>;
  /** The controllers of the current leadership term (empty while standby). */
  current(): ControllerSet | undefined;
};

/** Creates a manager; nothing happens before `start()`. */
export function createManager(opts: ManagerOptions): Manager {
  let state: ManagerState = 'NEW';
  let set: ControllerSet | undefined;
  let starting: Promise<void> | undefined;
  const log: Logger = opts.logger;
  const clock: Clock = opts.clock;
  const leaseName = opts.leaderElection?.name ?? 'nightglow-operator';

  const lead = (signal: AbortSignal): void => {
    state = 'LEADING';
    opts.metrics?.leader.child(leaseName).set(1);
    set = createControllerSet(opts.specs, opts);
    starting = set.start(signal).catch((err: unknown) => log.error({ err }, 'controllers failed to start'));
  };
  const standDown = async (): Promise<void> => {
    const s = set;
    set = undefined;
    opts.metrics?.leader.child(leaseName).set(0);
    if (state !== 'STOPPED') state = 'STANDBY';
    await starting;
    await s?.stop();
  };

  let elector: LeaderElector | undefined;
  let noElection: AbortController | undefined;
  return {
    start() {
      if (state !== 'NEW') return;
      const le = opts.leaderElection;
      if (!le) {
        noElection = new AbortController();
        lead(noElection.signal);
        return;
      }
      state = 'STANDBY';
      elector = createLeaderElector({
        ...le,
        name: leaseName,
        api: opts.api,
        clock,
        logger: log,
        onStartedLeading: lead,
        onStoppedLeading: standDown,
      });
      elector.run();
    },
    async stop() {
      const wasLeading = state === 'LEADING';
      state = 'STOPPED';
      if (elector) await elector.stop();
      else if (wasLeading) {
        noElection?.abort();
        await standDown();
      }
    },
    state: () => state,
    async whenReady(timeoutMs) {
      const deadline = clock.now() + timeoutMs;
      while (!this.ready()) {
        if (clock.now() > deadline || state === 'STOPPED') return false;
        await clock.sleep(50);
      }
      return true;
    },
    ready: () => state === 'STANDBY' || (state === 'LEADING' && (set?.synced() ?? false)),
    current: () => set,
  };
}

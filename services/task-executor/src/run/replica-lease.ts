/**
 * This replica's lease in the shared state: a heartbeat every third of the
 * replica timeout, and on every beat a look for replicas whose heartbeat
 * lapsed, whose unfinished tasks are then taken over (atomically, so exactly
 * one survivor gets each). A dead replica is therefore noticed within
 * `timeoutMs + timeoutMs / 3` of its last heartbeat. When this replica's own
 * heartbeat had lapsed (a long pause), `onLapsed` lets it drop the tasks other
 * replicas may have taken meanwhile. A replica restarted under the same id
 * takes over its predecessor's tasks itself, before its first beat.
 */
import type { Clock, Logger, TimerHandle } from '@nightglow/runtime';
import type { HeldTask, ReplicaLeases } from '../store/port.js';

/** Options of {@link startReplicaLease}. */
export type ReplicaLeaseOptions = {
  readonly leases: ReplicaLeases;
  readonly replicaId: string;
  /** Heartbeat TTL: a replica silent this long is taken for dead. */
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** This replica's heartbeat had lapsed: drop local tasks it no longer holds. */
  onLapsed(): Promise<void>;
  /** Tasks of dead replica `dead` now held by this replica. */
  onTakeOver(dead: string, tasks: readonly HeldTask[]): Promise<void>;
};

/** A running lease. */
export type ReplicaLease = {
  /** Runs one beat now (registration, takeover); resolves when it is done. */
  beat(): Promise<void>;
  /** Stops beating and unregisters the replica (after its tasks ended). */
  leave(): Promise<void>;
};

/** Registers the replica (first beat, awaited) and keeps beating until {@link ReplicaLease.leave}. */
export async function startReplicaLease(opts: ReplicaLeaseOptions): Promise<ReplicaLease> {
  const { leases, replicaId: me, clock, logger } = opts;
  const every = Math.max(50, Math.floor(opts.timeoutMs / 3));
  let first = true;
  let stopped = false;
  let timer: TimerHandle | undefined;
  let running: Promise<void> = Promise.resolve();

  const once = async (): Promise<void> => {
    const wasAlive = await leases.heartbeat(me, opts.timeoutMs);
    if (!first && !wasAlive) {
      logger.error({ replica_id: me }, 'this replica missed its heartbeat; dropping tasks other replicas took over');
      await opts.onLapsed();
    }
    first = false;
    for (const dead of await leases.lapsed()) {
      if (dead === me || stopped) continue;
      const tasks = await leases.takeOver(dead, me);
      if (tasks.length === 0) continue;
      logger.warn(
        { replica_id: me, dead_replica: dead, tasks: tasks.length },
        'taking over the tasks of a dead replica',
      );
      await opts.onTakeOver(dead, tasks);
    }
  };
  const beat = (): Promise<void> => {
    running = running
      .then(once)
      .catch((e: unknown) => logger.warn({ err: e, replica_id: me }, 'replica heartbeat failed'));
    return running;
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = clock.setTimeout(() => void beat().then(schedule), every);
  };
  // A replica restarted under the same REPLICA_ID renews its predecessor's heartbeat, so nobody
  // else takes that one's tasks over: it does so itself, before taking any new task.
  const previous = await leases.held(me);
  if (previous.length > 0) {
    logger.warn(
      { replica_id: me, tasks: previous.length },
      'taking over the tasks of this replica id before a restart',
    );
    await opts.onTakeOver(me, previous);
  }
  await beat();
  schedule();
  return {
    beat,
    async leave() {
      stopped = true;
      timer?.cancel();
      await running;
      await leases.leave(me).catch((e: unknown) => logger.warn({ err: e }, 'could not unregister the replica'));
    },
  };
}

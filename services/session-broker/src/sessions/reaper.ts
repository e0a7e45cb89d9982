/**
 * The reaper: a periodic pass on the injected clock. Every replica heartbeats
 * and finishes closes of the sessions it owns that are CLOSING (the
 * level-triggered safety net behind change events). The replica holding the
 * reaper lease (one at a time, so reaping runs once) also:
 *
 * - requests the close of sessions past their TTL (`TTL_EXPIRED`, any live state)
 *   or idle for their idle timeout (`IDLE_TIMEOUT`, READY only);
 * - fails the live sessions of replicas that stopped heartbeating;
 * - forgets CLOSED/FAILED sessions after the retention period.
 *
 * A pass never overlaps the next: the next one is scheduled when it ends.
 */
import type { Clock, Logger, TimerHandle } from '@nightglow/runtime';
import type { Lease, ReplicaRegistry, SessionStore } from '../store/port.js';
import type { SessionLifecycle } from './lifecycle.js';
import { isTerminal, type SessionRecord } from './record.js';

/** What the reaper did to one session. */
export type ReapOutcome = 'TTL_EXPIRED' | 'IDLE_TIMEOUT' | 'OWNER_GONE' | 'FORGOTTEN';

/** Dependencies of {@link createReaper}. */
export type ReaperDeps = {
  readonly store: SessionStore;
  readonly lease: Lease;
  readonly replicas: ReplicaRegistry;
  readonly lifecycle: SessionLifecycle;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly replicaId: string;
  readonly intervalMs: number;
  readonly retentionMs: number;
  /** Finishes the close of a CLOSING session this replica owns. */
  readonly finishOwned: (id: string) => void;
  readonly onReaped?: (outcome: ReapOutcome) => void;
  readonly onLeadership?: (leader: boolean) => void;
};

/** The reaper. */
export type Reaper = {
  /** Runs a first pass now, then every `intervalMs`. */
  start(): void;
  /** One pass (tests call it directly). */
  tick(): Promise<void>;
  /** Stops scheduling, gives the lease up and leaves the replica registry. */
  stop(): Promise<void>;
};

/** Creates the reaper. */
export function createReaper(deps: ReaperDeps): Reaper {
  const { store, lifecycle, clock, replicaId } = deps;
  const ttlMs = Math.max(15_000, deps.intervalMs * 5);
  let timer: TimerHandle | undefined;
  let stopped = false;
  let running: Promise<void> | undefined;

  const reapAsLeader = async (sessions: readonly SessionRecord[], now: number): Promise<void> => {
    const alive = new Map<string, boolean>([[replicaId, true]]);
    const isAlive = async (owner: string): Promise<boolean> => {
      if (!alive.has(owner)) alive.set(owner, await deps.replicas.isAlive(owner));
      return alive.get(owner) ?? false;
    };
    for (const s of sessions) {
      if (isTerminal(s.state)) {
        if (s.closeTimeMs > 0 && now - s.closeTimeMs >= deps.retentionMs) {
          await store.remove(s.id);
          deps.onReaped?.('FORGOTTEN');
        }
        continue;
      }
      if (!(await isAlive(s.ownerId))) {
        const message = 'the broker replica holding the session is gone';
        const failed = await lifecycle.transition(s.id, 'FAILED', () => ({
          closeReason: 'BROWSER_CRASHED',
          closeMessage: message,
        }));
        if (failed) deps.onReaped?.('OWNER_GONE');
      } else if (now >= s.expireTimeMs) {
        const r = await lifecycle.requestClose(
          s.id,
          'TTL_EXPIRED',
          `the session reached its TTL of ${s.effective.ttlMs} ms`,
        );
        if (r?.changed) deps.onReaped?.('TTL_EXPIRED');
      } else if (s.state === 'READY' && now - s.lastActivityMs >= s.effective.idleTimeoutMs) {
        const message = `no CDP traffic or TouchSession for ${s.effective.idleTimeoutMs} ms`;
        const r = await lifecycle.requestClose(s.id, 'IDLE_TIMEOUT', message);
        if (r?.changed) deps.onReaped?.('IDLE_TIMEOUT');
      }
    }
  };

  const pass = async (): Promise<void> => {
    await deps.replicas.heartbeat(replicaId, ttlMs);
    const leader = await deps.lease.tryAcquire(replicaId, ttlMs);
    deps.onLeadership?.(leader);
    const sessions = await store.list();
    for (const s of sessions) if (s.ownerId === replicaId && s.state === 'CLOSING') deps.finishOwned(s.id);
    if (leader) await reapAsLeader(sessions, clock.now());
  };

  const tick = (): Promise<void> => {
    running ??= pass()
      .catch((e: unknown) => deps.logger.warn({ err: e }, 'reaper pass failed'))
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const loop = (): void => {
    if (stopped) return;
    void tick().then(() => {
      if (!stopped) timer = clock.setTimeout(loop, deps.intervalMs);
    });
  };

  return {
    start: loop,
    tick,
    async stop() {
      stopped = true;
      timer?.cancel();
      await running;
      await deps.lease.release(replicaId).catch(() => undefined);
      await deps.replicas.leave(replicaId).catch(() => undefined);
    },
  };
}

/**
 * The in-memory {@link SeatLedger}: the same rules as the Redis scripts
 * (`redis-seats.ts`), for one process and for unit tests of several
 * "replicas" sharing one backend. Liveness comes from the backend's replica
 * registry; freed seats are announced asynchronously (a microtask each).
 */
import type { ReplicaRegistry, SeatFigures, SeatLedger } from './port.js';

type PoolSeats = {
  /** Seat holder → replica. */
  readonly seats: Map<string, string>;
  /** Waiters in FIFO order → replica. */
  readonly queue: Map<string, string>;
};

/** Creates an empty ledger whose sweeps ask `replicas` who is alive. */
export function createMemorySeats(replicas: ReplicaRegistry): SeatLedger {
  const pools = new Map<string, PoolSeats>();
  const listeners = new Set<(pool: string) => void>();
  const of = (pool: string): PoolSeats => {
    let p = pools.get(pool);
    if (p === undefined) pools.set(pool, (p = { seats: new Map(), queue: new Map() }));
    return p;
  };
  const figures = (p: PoolSeats): SeatFigures => ({ inUse: p.seats.size, queued: p.queue.size });
  const announce = (pool: string): void => {
    for (const l of [...listeners]) queueMicrotask(() => l(pool));
  };
  return {
    admit(r) {
      const p = of(r.pool);
      const qlen = p.queue.size;
      if (p.seats.has(r.id)) return Promise.resolve({ kind: 'granted', queueLength: qlen });
      const free = r.maxSeats - p.seats.size;
      const rank = [...p.queue.keys()].indexOf(r.id);
      if (rank >= 0) {
        if (rank >= free) return Promise.resolve({ kind: 'queued', position: rank + 1, queueLength: qlen });
        p.queue.delete(r.id);
        p.seats.set(r.id, r.replicaId);
        return Promise.resolve({ kind: 'granted', queueLength: qlen - 1 });
      }
      if (free > qlen) {
        p.seats.set(r.id, r.replicaId);
        return Promise.resolve({ kind: 'granted', queueLength: qlen });
      }
      if (!r.mayQueue) return Promise.resolve({ kind: 'refused', reason: 'NO_WAIT', queueLength: qlen });
      if (qlen >= r.maxQueued) return Promise.resolve({ kind: 'refused', reason: 'QUEUE_FULL', queueLength: qlen });
      p.queue.set(r.id, r.replicaId);
      return Promise.resolve({ kind: 'queued', position: qlen + 1, queueLength: qlen + 1 });
    },
    release(pool, id) {
      const p = of(pool);
      const freed = p.seats.delete(id);
      if (p.queue.delete(id) || freed) announce(pool);
      return Promise.resolve();
    },
    async sweep(pool, replicaId, known) {
      const p = of(pool);
      const keep = new Set(known);
      const alive = new Map<string, boolean>([[replicaId, true]]);
      let freed = 0;
      for (const map of [p.seats, p.queue]) {
        for (const [id, owner] of [...map]) {
          if (!alive.has(owner)) alive.set(owner, await replicas.isAlive(owner));
          const stale = owner === replicaId ? !keep.has(id) : alive.get(owner) !== true;
          if (stale && map.delete(id)) freed++;
        }
      }
      if (freed > 0) announce(pool);
      return figures(p);
    },
    figures: (pool) => Promise.resolve(figures(of(pool))),
    onFreed(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

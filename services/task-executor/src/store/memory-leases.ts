/**
 * In-memory {@link ReplicaLeases}: for one process (where the only replica
 * never sees itself die) and for unit tests that run several executors on one
 * memory store with a manual clock. Heartbeats expire by the injected clock.
 */
import type { Clock } from '@nightglow/runtime';
import type { HeldTask, ReplicaLeases } from './port.js';

/** Creates in-memory replica leases timed by `clock`. */
export function createMemoryLeases(clock: Clock): ReplicaLeases {
  const expiry = new Map<string, number>();
  const registered = new Set<string>();
  const held = new Map<string, Set<string>>();
  const jobs = new Map<string, Uint8Array>();
  const alive = (id: string): boolean => (expiry.get(id) ?? 0) > clock.now();
  const setOf = (id: string): Set<string> => {
    let s = held.get(id);
    if (!s) held.set(id, (s = new Set()));
    return s;
  };
  return {
    heartbeat: async (id, ttlMs) => {
      const was = alive(id);
      expiry.set(id, clock.now() + ttlMs);
      registered.add(id);
      return was;
    },
    hold: async (id, taskId, job) => {
      setOf(id).add(taskId);
      jobs.set(taskId, job);
    },
    holds: async (id, taskId) => held.get(id)?.has(taskId) ?? false,
    release: async (id, taskId) => {
      held.get(id)?.delete(taskId);
      jobs.delete(taskId);
    },
    held: async (id) => [...(held.get(id) ?? [])].map((taskId) => ({ taskId, job: jobs.get(taskId) })),
    lapsed: async () => [...registered].filter((id) => !alive(id)),
    takeOver: async (dead, to) => {
      if (alive(dead) || !registered.has(dead)) return [];
      registered.delete(dead);
      const ids = [...(held.get(dead) ?? [])];
      held.delete(dead);
      for (const t of ids) setOf(to).add(t);
      return ids.map((taskId): HeldTask => ({ taskId, job: jobs.get(taskId) }));
    },
    leave: async (id) => {
      registered.delete(id);
      expiry.delete(id);
      for (const t of held.get(id) ?? []) jobs.delete(t);
      held.delete(id);
    },
  };
}

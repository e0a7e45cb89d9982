/**
 * The in-memory state backend: the embedded default for one broker process.
 * Same promises as Redis (see `port.ts`); changes are delivered to listeners
 * asynchronously (a microtask each, in order) like a real fan-out.
 */
import { randomBytes } from 'node:crypto';
import { BrokerError } from '../errors.js';
import type { SessionRecord } from '../sessions/record.js';
import { createMemorySeats } from './memory-seats.js';
import type { Lease, ReplicaRegistry, SessionChange, SessionStore, StateBackend } from './port.js';

/** Options of {@link createMemoryBackend}. */
export type MemoryBackendOptions = {
  /** Time source of the lease and the replica registry (epoch ms). */
  readonly now: () => number;
};

function createMemorySessionStore(): SessionStore {
  const sessions = new Map<string, SessionRecord>();
  const byRequest = new Map<string, string>();
  const listeners = new Set<(change: SessionChange) => void>();
  const secret = randomBytes(32);
  return {
    insert(record) {
      if (sessions.has(record.id))
        return Promise.reject(new BrokerError('ALREADY_EXISTS', `session ${record.id} exists`));
      if (record.requestId !== '' && byRequest.has(record.requestId)) {
        return Promise.reject(
          new BrokerError('ALREADY_EXISTS', `request ${record.requestId} already created a session`),
        );
      }
      sessions.set(record.id, record);
      if (record.requestId !== '') byRequest.set(record.requestId, record.id);
      return Promise.resolve();
    },
    get: (id) => Promise.resolve(sessions.get(id)),
    findByRequestId(requestId) {
      const id = byRequest.get(requestId);
      return Promise.resolve(id === undefined ? undefined : sessions.get(id));
    },
    list: () => Promise.resolve([...sessions.values()]),
    update(id, mutate) {
      const before = sessions.get(id);
      if (before === undefined) return Promise.resolve(undefined);
      const next = mutate(before);
      if (next === undefined) return Promise.resolve({ before, after: before, changed: false });
      const after = { ...next, version: before.version + 1 };
      sessions.set(id, after);
      return Promise.resolve({ before, after, changed: true });
    },
    remove(id) {
      const r = sessions.get(id);
      sessions.delete(id);
      if (r !== undefined && byRequest.get(r.requestId) === id) byRequest.delete(r.requestId);
      return Promise.resolve();
    },
    publish(change) {
      for (const listener of [...listeners]) queueMicrotask(() => listener(change));
      return Promise.resolve();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    tokenSecret: () => Promise.resolve(secret),
    close: () => Promise.resolve(),
  };
}

function createMemoryLease(now: () => number): Lease {
  let holder: string | undefined;
  let until = 0;
  return {
    tryAcquire(who, ttlMs) {
      if (holder === undefined || holder === who || now() >= until) {
        holder = who;
        until = now() + ttlMs;
        return Promise.resolve(true);
      }
      return Promise.resolve(false);
    },
    release(who) {
      if (holder === who) holder = undefined;
      return Promise.resolve();
    },
  };
}

function createMemoryReplicas(now: () => number): ReplicaRegistry {
  const until = new Map<string, number>();
  return {
    heartbeat(id, ttlMs) {
      until.set(id, now() + ttlMs);
      return Promise.resolve();
    },
    isAlive: (id) => Promise.resolve((until.get(id) ?? 0) > now()),
    leave(id) {
      until.delete(id);
      return Promise.resolve();
    },
  };
}

/** Creates the in-memory backend: sessions, the reaper lease, the replica registry and the seat ledger. */
export function createMemoryBackend(options: MemoryBackendOptions): StateBackend {
  const replicas = createMemoryReplicas(options.now);
  return {
    kind: 'memory',
    sessions: createMemorySessionStore(),
    lease: createMemoryLease(options.now),
    replicas,
    seats: createMemorySeats(replicas),
    close: () => Promise.resolve(),
  };
}

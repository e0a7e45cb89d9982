/**
 * The state port: where sessions live and how replicas hear about changes.
 * `createMemoryStore` (one process, the embedded default) and
 * `createRedisStore` (replicas sharing sessions) keep the same promises:
 *
 * - `update` is compare-and-set on the record's `version`: the mutation is
 *   re-run on the fresh record when another writer got there first, so two
 *   replicas racing (a delete and a TTL expiry) never lose a write;
 * - `publish` reaches the `subscribe` listeners of every replica (this one
 *   included) exactly once each, in publish order per publisher;
 * - the lease is held by one holder at a time until it expires or is released.
 */
import type { SessionRecord, SessionStateName } from '../sessions/record.js';

/** Kinds of session changes (the proto `SessionEventType` minus watch-only SNAPSHOT/SYNCED). */
export type SessionChangeType = 'CREATED' | 'STATE_CHANGED' | 'EXTENDED' | 'QUEUE_POSITION_CHANGED';

/** One change to a session, fanned out to every replica's watchers. */
export type SessionChange = {
  readonly type: SessionChangeType;
  readonly session: SessionRecord;
  readonly previousState: SessionStateName;
  readonly timeMs: number;
};

/** Result of an {@link SessionStore.update}: the record before and after (equal when nothing changed). */
export type UpdateResult = { readonly before: SessionRecord; readonly after: SessionRecord; readonly changed: boolean };

/** The session store. */
export type SessionStore = {
  /** Stores a new session; rejects with ALREADY_EXISTS when the id (or its request id) is taken. */
  insert(record: SessionRecord): Promise<void>;
  get(id: string): Promise<SessionRecord | undefined>;
  /** The session created with idempotency key `requestId`, while it is stored. */
  findByRequestId(requestId: string): Promise<SessionRecord | undefined>;
  /** Every stored session (live and retained), in no particular order. */
  list(): Promise<SessionRecord[]>;
  /**
   * Applies `mutate` to the current record and stores the result with `version + 1`,
   * retrying on a concurrent write. `mutate` returning undefined means "no change".
   * Resolves undefined when the session does not exist.
   */
  update(id: string, mutate: (current: SessionRecord) => SessionRecord | undefined): Promise<UpdateResult | undefined>;
  /** Forgets a session (after its retention). */
  remove(id: string): Promise<void>;
  /** Sends a change to every replica's subscribers. */
  publish(change: SessionChange): Promise<void>;
  /** Listens to changes from every replica; returns the unsubscribe function. */
  subscribe(listener: (change: SessionChange) => void): () => void;
  /** The HMAC secret of session tokens, shared by every replica of this store (created once). */
  tokenSecret(): Promise<Buffer>;
  close(): Promise<void>;
};

/** A time-limited exclusive role, e.g. "the reaper". */
export type Lease = {
  /** Takes or renews the lease for `holder` for `ttlMs`; resolves whether `holder` holds it now. */
  tryAcquire(holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if `holder` holds it. */
  release(holder: string): Promise<void>;
};

/** Which broker replicas are alive: each heartbeats; silence for the TTL means gone. */
export type ReplicaRegistry = {
  heartbeat(replicaId: string, ttlMs: number): Promise<void>;
  isAlive(replicaId: string): Promise<boolean>;
  /** Forgets `replicaId` at once (clean shutdown). */
  leave(replicaId: string): Promise<void>;
};

/** Outcome of {@link SeatLedger.admit}. */
export type SeatAdmission =
  /** `id` holds a seat now. */
  | { readonly kind: 'granted'; readonly queueLength: number }
  /** `id` waits in the pool-wide FIFO at 1-based `position`. */
  | { readonly kind: 'queued'; readonly position: number; readonly queueLength: number }
  /** Refused: no seat and `mayQueue` was false (`NO_WAIT`) or the queue is full (`QUEUE_FULL`). */
  | { readonly kind: 'refused'; readonly reason: 'NO_WAIT' | 'QUEUE_FULL'; readonly queueLength: number };

/** What one {@link SeatLedger.admit} asks for. */
export type SeatRequest = {
  readonly pool: string;
  readonly id: string;
  /** The replica asking (it owns the seat or the place in the queue). */
  readonly replicaId: string;
  readonly maxSeats: number;
  readonly maxQueued: number;
  /** Whether `id` may wait when no seat is free. */
  readonly mayQueue: boolean;
};

/** Pool-wide seat and queue figures. */
export type SeatFigures = { readonly inUse: number; readonly queued: number };

/**
 * Pool-wide admission shared by every replica of a backend: at most `maxSeats`
 * seats per pool across replicas, and one FIFO queue per pool. Each entry
 * names the replica that holds it; entries of replicas whose heartbeat lapsed
 * are freed by {@link SeatLedger.sweep}, so a crashed replica's seats come back.
 */
export type SeatLedger = {
  /**
   * Atomically: `id` already holds a seat → granted; `id` is queued → granted when
   * fewer waiters are ahead of it than seats are free, else its position; a new `id`
   * → granted when more seats are free than waiters wait, else queued (or refused).
   */
  admit(request: SeatRequest): Promise<SeatAdmission>;
  /** Frees `id`'s seat or place in the queue (no-op when it has neither) and tells every replica. */
  release(pool: string, id: string): Promise<void>;
  /**
   * Frees the entries of replicas whose heartbeat lapsed, and those `replicaId` holds
   * but no longer knows (`known`: its seats, waiters and admissions in flight). Resolves
   * the pool's figures afterwards.
   */
  sweep(pool: string, replicaId: string, known: readonly string[]): Promise<SeatFigures>;
  figures(pool: string): Promise<SeatFigures>;
  /** Called with the pool's name whenever a seat or a place in a queue was freed on any replica. */
  onFreed(listener: (pool: string) => void): () => void;
};

/** Everything the broker keeps in its state backend. */
export type StateBackend = {
  readonly sessions: SessionStore;
  readonly lease: Lease;
  readonly replicas: ReplicaRegistry;
  /** Pool-wide seats (static and kubernetes pools shared by replicas). */
  readonly seats: SeatLedger;
  readonly kind: 'memory' | 'redis';
  close(): Promise<void>;
};

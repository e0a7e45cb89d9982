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

/** Everything the broker keeps in its state backend. */
export type StateBackend = {
  readonly sessions: SessionStore;
  readonly lease: Lease;
  readonly replicas: ReplicaRegistry;
  readonly kind: 'memory' | 'redis';
  close(): Promise<void>;
};

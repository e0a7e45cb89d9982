/**
 * The session operations behind the RPCs: create (idempotent, queued FIFO
 * when the pool is full), get, list, touch and delete. Any replica serves any
 * session through the shared store; the replica that accepted a session owns
 * its queue slot and browser (`session-host.ts`) and finishes closes that
 * others request.
 */
import type { SessionOptions } from '@nightglow/contracts/broker/v1';
import type { Clock, Logger } from '@nightglow/runtime';
import { v7 as uuidv7 } from 'uuid';
import { BrokerError, invalidFields, isBrokerError, notFoundError } from '../errors.js';
import type { PoolRegistry } from '../pools/pool-registry.js';
import type { SessionChange, SessionStore } from '../store/port.js';
import type { SessionLifecycle } from './lifecycle.js';
import { requestedOptionsJson, resolveOptions } from './options.js';
import { paginate, type SessionFilter } from './pagination.js';
import type { SessionRecord } from './record.js';
import { createSession } from './create-session.js';
import type { SessionHost } from './session-host.js';
import type { TokenAuthority } from './tokens.js';

/** This replica's identity, as stored on the sessions it owns. */
export type ReplicaIdentity = {
  readonly id: string;
  /** `host:port` other replicas forward CDP connections to. */
  readonly address: () => string;
  /** Base of CDP endpoint URLs, e.g. `ws://broker:8081`. */
  readonly cdpBase: () => string;
};

/** A CreateSession request, after transport decoding. */
export type CreateRequest = {
  readonly pool: string;
  readonly options: SessionOptions | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly requestId: string;
  readonly noWait: boolean;
};

/** Dependencies of {@link createSessionService}. */
export type SessionServiceDeps = {
  readonly store: SessionStore;
  readonly lifecycle: SessionLifecycle;
  readonly host: SessionHost;
  readonly pools: PoolRegistry;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly tokens: () => TokenAuthority;
  readonly identity: ReplicaIdentity;
  readonly onQueueWait?: (pool: string, waitedMs: number) => void;
};

/** The session operations. */
export type SessionService = {
  create(req: CreateRequest, signal?: AbortSignal): Promise<{ record: SessionRecord; token: string }>;
  get(id: string): Promise<SessionRecord>;
  list(
    filter: SessionFilter,
    page: { size: number; token: string },
  ): Promise<{ items: SessionRecord[]; nextPageToken: string }>;
  /** Resets the idle timer of a READY session, optionally moving its expiry `extendMs` later. */
  touch(id: string, extendMs: number): Promise<SessionRecord>;
  delete(id: string, reason: string): Promise<SessionRecord>;
  /** Reacts to a change from any replica: finishes closes of sessions this replica owns. */
  onChange(change: SessionChange): void;
  /** Finishes the close of `id` if this replica owns it (in the background). */
  finishClose(id: string): void;
};

function checkId(id: string): void {
  if (id === '') throw invalidFields([{ field: 'session_id', description: 'is required' }]);
}

/** Creates the session operations. */
export function createSessionService(deps: SessionServiceDeps): SessionService {
  const { store, lifecycle, host, pools, clock } = deps;
  const get = async (id: string): Promise<SessionRecord> => {
    checkId(id);
    const r = await store.get(id);
    if (r === undefined) throw notFoundError('session', id);
    return r;
  };
  const finish = (id: string): void => {
    if (host.owns(id)) {
      host.finishClose(id).catch((e: unknown) => deps.logger.error({ err: e, session_id: id }, 'close failed'));
    }
  };
  const remove = async (id: string, reason: string): Promise<SessionRecord> => {
    checkId(id);
    if (reason.length > 256) throw invalidFields([{ field: 'reason', description: 'must be at most 256 characters' }]);
    const res = await lifecycle.requestClose(id, 'DELETED', reason === '' ? 'deleted by a client' : reason);
    if (res === undefined) throw notFoundError('session', id);
    if (res.changed) finish(id);
    return res.record;
  };
  return {
    async create(req, signal) {
      const pool = pools.get(req.pool === '' ? 'default' : req.pool);
      const effective = resolveOptions(req.options, req.labels, pool.config);
      if (req.requestId.length > 128) {
        throw invalidFields([{ field: 'request_id', description: 'must be at most 128 characters' }]);
      }
      if (req.requestId !== '') {
        const existing = await store.findByRequestId(req.requestId);
        if (existing !== undefined) return { record: existing, token: deps.tokens().issue(existing.id) };
      }
      const id = uuidv7();
      const token = deps.tokens().issue(id);
      try {
        const record = await createSession({
          ...deps,
          pool,
          draft: {
            id,
            pool: pool.config.name,
            effective,
            labels: { ...req.labels },
            requestedOptions: requestedOptionsJson(req.options),
            requestId: req.requestId,
            maxTtlMs: pool.config.maxTtlMs,
          },
          noWait: req.noWait,
          signal,
          remove,
        });
        return { record, token };
      } catch (e) {
        if (isBrokerError(e, 'ALREADY_EXISTS') && req.requestId !== '') {
          const existing = await store.findByRequestId(req.requestId);
          if (existing !== undefined) return { record: existing, token: deps.tokens().issue(existing.id) };
        }
        throw e;
      }
    },
    get,
    async list(filter, page) {
      return paginate(await store.list(), filter, page);
    },
    async touch(id, extendMs) {
      checkId(id);
      if (extendMs < 0) throw invalidFields([{ field: 'extend_by', description: 'must not be negative' }]);
      const now = clock.now();
      const updated = await lifecycle.patch(
        id,
        (cur) => {
          if (cur.state !== 'READY') {
            throw new BrokerError('FAILED_PRECONDITION', `session ${id} is ${cur.state}, not READY`, {
              reason: 'SESSION_NOT_READY',
            });
          }
          const expireTimeMs = cur.expireTimeMs + extendMs;
          if (cur.maxTtlMs > 0 && expireTimeMs - cur.createTimeMs > cur.maxTtlMs) {
            throw new BrokerError(
              'OUT_OF_RANGE',
              `extending by ${extendMs} ms would pass the pool's max_ttl of ${cur.maxTtlMs} ms`,
              {
                reason: 'MAX_TTL_EXCEEDED',
              },
            );
          }
          return { lastActivityMs: now, expireTimeMs };
        },
        extendMs > 0 ? 'EXTENDED' : undefined,
      );
      if (updated === undefined) throw notFoundError('session', id);
      return updated;
    },
    delete: remove,
    finishClose: finish,
    onChange(change) {
      if (change.type === 'STATE_CHANGED' && change.session.state === 'CLOSING') finish(change.session.id);
    },
  };
}

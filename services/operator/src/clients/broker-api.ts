/**
 * The `BrokerApi` port: what the operator asks of the session broker, in
 * plain values. The real implementation calls `nightglow.broker.v1.SessionBroker`
 * over gRPC with the runtime's service client; tests pass plain-object fakes.
 * Errors are `OperatorError`s (NOT_FOUND, INVALID, UNAVAILABLE).
 */
import { durationFromMs, timestampDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import {
  CloseReason,
  Isolation,
  SessionBroker,
  SessionEventType,
  SessionState,
  type Session,
} from '@nightglow/contracts/broker/v1';
import { createServiceClient, type Tracing } from '@nightglow/runtime';
import { durationMs } from '../duration.js';
import { fromRpcError } from './rpc-error.js';
import type { WatchUpdate } from './watch-update.js';

/** A pool's capacity figures. */
export type PoolStats = {
  readonly maxSessions: number;
  readonly inUse: number;
  readonly queued: number;
  readonly readyBrowsers: number;
  /** Per browser: its pod (kubernetes source) and live sessions. */
  readonly browsers: readonly { readonly podName: string; readonly sessionCount: number }[];
};

/** A broker session's lifecycle state. */
export type BrokerSessionState = 'QUEUED' | 'STARTING' | 'READY' | 'CLOSING' | 'CLOSED' | 'FAILED';

/** A broker session as the operator shows it. */
export type BrokerSession = {
  readonly id: string;
  readonly state: BrokerSessionState;
  readonly cdpEndpoint: string;
  readonly browserId: string;
  readonly queuePosition: number;
  readonly expireTime?: string | undefined;
  readonly readyTime?: string | undefined;
  readonly closeReason: string;
  readonly closeMessage: string;
};

/** What a BrowserSession asks for. Durations are strings such as `30m`. */
export type CreateSessionInput = {
  readonly pool: string;
  /** Idempotency key: the BrowserSession's uid (a retry returns the same session and token). */
  readonly requestId: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly isolation?: 'Context' | 'Browser' | undefined;
  readonly ttl?: string | undefined;
  readonly idleTimeout?: string | undefined;
  readonly startUrl?: string | undefined;
};

/** The broker calls the reconcilers make. */
export type BrokerApi = {
  getPool(name: string): Promise<PoolStats>;
  /** Returns without waiting for READY (no_wait). */
  createSession(input: CreateSessionInput): Promise<{ session: BrokerSession; token: string }>;
  getSession(id: string): Promise<BrokerSession>;
  /** Closes the session; NOT_FOUND if the broker does not know it. */
  deleteSession(id: string, reason: string): Promise<void>;
  /**
   * Follows one session (WatchSessions with `session_id` and
   * `send_initial_state`): its current state when it is live, then `synced`,
   * then the session after every change. Runs until `signal` aborts; throws an
   * `OperatorError` when the stream breaks (e.g. UNAVAILABLE while the broker drains).
   */
  watchSession(id: string, signal: AbortSignal): AsyncIterable<WatchUpdate<BrokerSession>>;
};

const iso = (t: Timestamp | undefined): string | undefined => (t ? timestampDate(t).toISOString() : undefined);

/** Converts the contract's Session to {@link BrokerSession}. */
export function toBrokerSession(s: Session): BrokerSession {
  const state = SessionState[s.state].replace('SESSION_STATE_', '') as BrokerSessionState;
  return {
    id: s.id,
    state,
    cdpEndpoint: s.cdpEndpoint,
    browserId: s.browserId,
    queuePosition: s.queuePosition,
    expireTime: iso(s.expireTime),
    readyTime: iso(s.readyTime),
    closeReason: s.closeReason ? CloseReason[s.closeReason].replace('CLOSE_REASON_', '') : '',
    closeMessage: s.closeMessage,
  };
}

const duration = (text: string | undefined): ReturnType<typeof durationFromMs> | undefined => {
  const ms = text ? durationMs(text) : undefined;
  return ms === undefined ? undefined : durationFromMs(ms);
};

/** The real {@link BrokerApi} over gRPC at `baseUrl`. */
export function createBrokerApi(opts: { readonly baseUrl: string; readonly tracing: Tracing }): BrokerApi {
  const client = createServiceClient(SessionBroker, { baseUrl: opts.baseUrl, tracing: opts.tracing });
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw fromRpcError(e, `broker ${what}`);
    }
  };
  return {
    getPool: (name) =>
      call('GetPool', async () => {
        const pool = (await client.getPool({ pool: name }, { timeoutMs: 5_000 })).pool;
        return {
          maxSessions: pool?.maxSessions ?? 0,
          inUse: pool?.inUse ?? 0,
          queued: pool?.queued ?? 0,
          readyBrowsers: pool?.readyBrowserCount ?? 0,
          browsers: (pool?.browsers ?? []).map((b) => ({ podName: b.podName, sessionCount: b.sessionCount })),
        };
      }),
    createSession: (input) =>
      call('CreateSession', async () => {
        const ttl = duration(input.ttl);
        const idleTimeout = duration(input.idleTimeout);
        const res = await client.createSession(
          {
            pool: input.pool,
            requestId: input.requestId,
            labels: { ...input.labels },
            noWait: true,
            options: {
              isolation:
                input.isolation === 'Browser'
                  ? Isolation.BROWSER
                  : input.isolation === 'Context'
                    ? Isolation.CONTEXT
                    : Isolation.UNSPECIFIED,
              startUrl: input.startUrl ?? '',
              ...(ttl ? { ttl } : {}),
              ...(idleTimeout ? { idleTimeout } : {}),
            },
          },
          { timeoutMs: 10_000 },
        );
        if (!res.session) throw new Error('CreateSession answered without a session');
        return { session: toBrokerSession(res.session), token: res.token };
      }),
    getSession: (id) =>
      call('GetSession', async () => {
        const res = await client.getSession({ sessionId: id }, { timeoutMs: 5_000 });
        if (!res.session) throw new Error('GetSession answered without a session');
        return toBrokerSession(res.session);
      }),
    deleteSession: (id, reason) =>
      call('DeleteSession', async () => {
        await client.deleteSession({ sessionId: id, reason: reason.slice(0, 256) }, { timeoutMs: 5_000 });
      }),
    watchSession: async function* (id, signal) {
      try {
        for await (const res of client.watchSessions({ sessionId: id, sendInitialState: true }, { signal })) {
          const event = res.event;
          if (event?.type === SessionEventType.SYNCED) yield { kind: 'synced' };
          else if (event?.session) yield { kind: 'value', value: toBrokerSession(event.session) };
        }
      } catch (e) {
        throw fromRpcError(e, 'broker WatchSessions');
      }
    },
  };
}

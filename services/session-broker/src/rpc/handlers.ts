/**
 * The `nightglow.broker.v1.SessionBroker` implementation: request decoding,
 * the domain call, response encoding, and error mapping at this boundary only.
 * One handler per RPC, served by the runtime over gRPC, Connect and gRPC-Web.
 */
import type { ServiceImpl } from '@connectrpc/connect';
import { durationMs } from '@bufbuild/protobuf/wkt';
import type { SessionBroker, SessionState } from '@nightglow/contracts/broker/v1';
import type { Clock } from '@nightglow/runtime';
import { BrokerError, invalidFields } from '../errors.js';
import type { PoolRegistry } from '../pools/pool-registry.js';
import { poolToProto } from '../pools/to-proto.js';
import type { SessionFilter } from '../sessions/pagination.js';
import { isTerminal, type SessionStateName } from '../sessions/record.js';
import type { SessionService } from '../sessions/session-service.js';
import { sessionToProto, stateFromProto } from '../sessions/to-proto.js';
import type { SessionStore } from '../store/port.js';
import { streamScreencast, type ScreencastDeps } from '../screencast/screencast.js';
import { mapErrors, toConnectError } from './error-mapping.js';
import { watchSessions } from './watch.js';
import type { TrustedCallers } from './trusted-callers.js';

/** What the handlers call. */
export type HandlerDeps = {
  readonly sessions: SessionService;
  readonly pools: PoolRegistry;
  readonly store: SessionStore;
  readonly clock: Clock;
  readonly screencast: ScreencastDeps;
  /** Who may call IssueSessionToken. */
  readonly trustedCallers: TrustedCallers;
  /** The CDP token of a session id. */
  readonly issueToken: (sessionId: string) => string;
};

function states(values: readonly SessionState[]): SessionStateName[] {
  return values.map((v) => {
    const s = stateFromProto(v);
    if (s === undefined) throw invalidFields([{ field: 'states', description: `unknown state ${v}` }]);
    return s;
  });
}

function filterOf(
  req: { pool: string; states: SessionState[]; labelSelector: string },
  sessionId?: string,
): SessionFilter {
  return {
    pool: req.pool,
    states: states(req.states),
    labelSelector: req.labelSelector,
    ...(sessionId ? { sessionId } : {}),
  };
}

async function* mapStream<T>(make: () => AsyncGenerator<T>): AsyncGenerator<T> {
  try {
    yield* make();
  } catch (e) {
    throw toConnectError(e);
  }
}

/** Builds the service implementation. */
export function createHandlers(deps: HandlerDeps): ServiceImpl<typeof SessionBroker> {
  const { sessions, pools } = deps;
  return {
    createSession: (req, ctx) =>
      mapErrors(async () => {
        const { record, token } = await sessions.create(
          { pool: req.pool, options: req.options, labels: req.labels, requestId: req.requestId, noWait: req.noWait },
          ctx.signal,
        );
        return { session: sessionToProto(record), token };
      }),
    getSession: (req) => mapErrors(async () => ({ session: sessionToProto(await sessions.get(req.sessionId)) })),
    listSessions: (req) =>
      mapErrors(async () => {
        const page = await sessions.list(filterOf(req), { size: req.pageSize, token: req.pageToken });
        return { sessions: page.items.map(sessionToProto), nextPageToken: page.nextPageToken };
      }),
    touchSession: (req) =>
      mapErrors(async () => {
        const extendMs = req.extendBy === undefined ? 0 : durationMs(req.extendBy);
        return { session: sessionToProto(await sessions.touch(req.sessionId, extendMs)) };
      }),
    deleteSession: (req) =>
      mapErrors(async () => ({ session: sessionToProto(await sessions.delete(req.sessionId, req.reason)) })),
    watchSessions: (req, ctx) =>
      mapStream(() =>
        watchSessions(
          deps,
          { filter: filterOf(req, req.sessionId), sendInitialState: req.sendInitialState },
          ctx.signal,
        ),
      ),
    listPools: () =>
      mapErrors(async () => ({
        pools: await Promise.all(pools.list().map(async (p) => poolToProto(p, await p.queue.figures(), false))),
      })),
    getPool: (req) =>
      mapErrors(() => {
        if (req.pool === '') throw invalidFields([{ field: 'pool', description: 'is required' }]);
        const pool = pools.get(req.pool);
        return pool.queue.figures().then((figures) => ({ pool: poolToProto(pool, figures, true) }));
      }),
    streamScreencast: (req, ctx) => mapStream(() => streamScreencast(deps.screencast, req, ctx.signal)),
    issueSessionToken: (req, ctx) =>
      mapErrors(async () => {
        deps.trustedCallers.authorize(ctx.requestHeader, 'IssueSessionToken');
        const record = await sessions.get(req.sessionId);
        if (record.state === 'CLOSING' || isTerminal(record.state)) {
          throw new BrokerError('FAILED_PRECONDITION', `session ${req.sessionId} is ${record.state}`, {
            reason: 'SESSION_CLOSED',
            metadata: { state: record.state },
          });
        }
        return { session: sessionToProto(record), token: deps.issueToken(record.id) };
      }),
  };
}

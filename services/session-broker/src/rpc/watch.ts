/**
 * WatchSessions: changes from every replica (through the store's fan-out),
 * filtered like ListSessions. With `send_initial_state`, the subscription is
 * opened first, then a SNAPSHOT per matching live session and a SYNCED marker
 * are sent, then the buffered and live changes, skipping any the snapshot
 * already covered (by record version): nothing between listing and watching is
 * missed or shown twice. A watcher more than 10 000 changes behind is ended
 * with RESOURCE_EXHAUSTED rather than buffered without bound.
 */
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  SessionEventSchema,
  SessionEventType,
  WatchSessionsResponseSchema,
  type WatchSessionsResponse,
} from '@nightglow/contracts/broker/v1';
import type { Clock } from '@nightglow/runtime';
import { BrokerError } from '../errors.js';
import type { SessionFilter } from '../sessions/pagination.js';
import { compileFilter, newestFirst } from '../sessions/pagination.js';
import { isTerminal } from '../sessions/record.js';
import { changeToProto, sessionToProto, stateToProto } from '../sessions/to-proto.js';
import type { SessionChange, SessionStore } from '../store/port.js';

const MAX_BACKLOG = 10_000;

/** Streams session events matching `filter` until `signal` aborts. */
export async function* watchSessions(
  deps: { readonly store: SessionStore; readonly clock: Clock },
  req: { readonly filter: SessionFilter; readonly sendInitialState: boolean },
  signal: AbortSignal,
): AsyncGenerator<WatchSessionsResponse> {
  const matches = compileFilter(req.filter);
  const backlog: SessionChange[] = [];
  let wake: () => void = () => undefined;
  const unsubscribe = deps.store.subscribe((change) => {
    backlog.push(change);
    wake();
  });
  const onAbort = (): void => wake();
  signal.addEventListener('abort', onAbort);
  const seen = new Map<string, number>();
  try {
    if (req.sendInitialState) {
      const live = (await deps.store.list()).filter((r) => !isTerminal(r.state) && matches(r)).sort(newestFirst);
      for (const r of live) {
        seen.set(r.id, r.version);
        const event = create(SessionEventSchema, {
          type: SessionEventType.SNAPSHOT,
          session: sessionToProto(r),
          previousState: stateToProto(r.state),
          time: timestampFromMs(deps.clock.now()),
        });
        yield create(WatchSessionsResponseSchema, { event });
      }
      const synced = create(SessionEventSchema, {
        type: SessionEventType.SYNCED,
        time: timestampFromMs(deps.clock.now()),
      });
      yield create(WatchSessionsResponseSchema, { event: synced });
    }
    while (!signal.aborted) {
      if (backlog.length > MAX_BACKLOG) {
        throw new BrokerError('RESOURCE_EXHAUSTED', 'the watcher fell too far behind; watch again', {
          reason: 'WATCH_BACKLOG',
        });
      }
      const change = backlog.shift();
      if (change === undefined) {
        await new Promise<void>((r) => (wake = r));
        continue;
      }
      const covered = seen.get(change.session.id);
      if (covered !== undefined && change.session.version <= covered) continue;
      if (matches(change.session)) yield create(WatchSessionsResponseSchema, { event: changeToProto(change) });
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    unsubscribe();
  }
}

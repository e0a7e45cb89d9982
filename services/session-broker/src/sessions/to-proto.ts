/**
 * Stored sessions and changes → their proto messages (`Session`,
 * `SessionEvent`). Tokens are never part of a record, so nothing here can leak one.
 */
import { create, fromJson } from '@bufbuild/protobuf';
import { durationFromMs, timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  CloseReason,
  Isolation,
  SessionEventSchema,
  SessionEventType,
  SessionOptionsSchema,
  SessionSchema,
  SessionState,
  type Session,
  type SessionEvent,
} from '@nightglow/contracts/broker/v1';
import type { SessionChange, SessionChangeType } from '../store/port.js';
import type { CloseReasonName, IsolationName, SessionRecord, SessionStateName } from './record.js';

const STATE: Readonly<Record<SessionStateName, SessionState>> = {
  QUEUED: SessionState.QUEUED,
  STARTING: SessionState.STARTING,
  READY: SessionState.READY,
  CLOSING: SessionState.CLOSING,
  CLOSED: SessionState.CLOSED,
  FAILED: SessionState.FAILED,
};

const REASON: Readonly<Record<CloseReasonName, CloseReason>> = {
  DELETED: CloseReason.DELETED,
  TTL_EXPIRED: CloseReason.TTL_EXPIRED,
  IDLE_TIMEOUT: CloseReason.IDLE_TIMEOUT,
  QUEUE_TIMEOUT: CloseReason.QUEUE_TIMEOUT,
  START_FAILED: CloseReason.START_FAILED,
  BROWSER_CRASHED: CloseReason.BROWSER_CRASHED,
  POOL_REMOVED: CloseReason.POOL_REMOVED,
};

const EVENT: Readonly<Record<SessionChangeType, SessionEventType>> = {
  CREATED: SessionEventType.CREATED,
  STATE_CHANGED: SessionEventType.STATE_CHANGED,
  EXTENDED: SessionEventType.EXTENDED,
  QUEUE_POSITION_CHANGED: SessionEventType.QUEUE_POSITION_CHANGED,
};

/** The proto value of a state name. */
export function stateToProto(state: SessionStateName): SessionState {
  return STATE[state];
}

/** The state name of a proto value; undefined for UNSPECIFIED or unknown values. */
export function stateFromProto(state: SessionState): SessionStateName | undefined {
  return (Object.keys(STATE) as SessionStateName[]).find((k) => STATE[k] === state);
}

/** The proto value of an isolation name. */
export function isolationToProto(isolation: IsolationName): Isolation {
  return isolation === 'BROWSER' ? Isolation.BROWSER : Isolation.CONTEXT;
}

const ts = (ms: number): ReturnType<typeof timestampFromMs> | undefined => (ms > 0 ? timestampFromMs(ms) : undefined);

/** A stored session as the proto `Session` (without token, ever). */
export function sessionToProto(r: SessionRecord): Session {
  const createTime = ts(r.createTimeMs);
  const readyTime = ts(r.readyTimeMs);
  const expireTime = ts(r.expireTimeMs);
  const lastActivityTime = ts(r.lastActivityMs);
  const closeTime = ts(r.closeTimeMs);
  return create(SessionSchema, {
    id: r.id,
    pool: r.pool,
    state: STATE[r.state],
    isolation: isolationToProto(r.effective.isolation),
    cdpEndpoint: r.cdpEndpoint,
    browserId: r.browserId,
    browserContextId: r.browserContextId,
    ...(createTime ? { createTime } : {}),
    ...(readyTime ? { readyTime } : {}),
    ...(expireTime ? { expireTime } : {}),
    ...(lastActivityTime ? { lastActivityTime } : {}),
    ...(closeTime ? { closeTime } : {}),
    ttl: durationFromMs(r.effective.ttlMs),
    idleTimeout: durationFromMs(r.effective.idleTimeoutMs),
    labels: { ...r.labels },
    options: fromJson(SessionOptionsSchema, r.requestedOptions as never),
    queuePosition: r.queuePosition,
    closeReason: r.closeReason === '' ? CloseReason.UNSPECIFIED : REASON[r.closeReason],
    closeMessage: r.closeMessage,
    sidecarAddress: r.sidecarAddress,
  });
}

/** A change as the proto `SessionEvent`. */
export function changeToProto(change: SessionChange): SessionEvent {
  return create(SessionEventSchema, {
    type: EVENT[change.type],
    session: sessionToProto(change.session),
    previousState: STATE[change.previousState],
    time: timestampFromMs(change.timeMs),
  });
}

/**
 * Every session write goes through here: a compare-and-set on the store that
 * honours the state machine, then one change fanned out to every replica's
 * watchers (`store.publish`) and to local observers (the `sessions` topic
 * publisher, metrics). A transition that is no longer legal (the session moved
 * on meanwhile) is a no-op and emits nothing.
 */
import type { Clock } from '@nightglow/runtime';
import type { SessionChange, SessionChangeType, SessionStore } from '../store/port.js';
import type { CloseReasonName, SessionRecord, SessionStateName } from './record.js';
import { isTerminal } from './record.js';
import { canRequestClose, canTransition } from './state-machine.js';

/** Sees every change this replica makes (bus publishing, metrics). */
export type ChangeObserver = (change: SessionChange) => void;

/** What a transition may also change on the record. */
export type RecordPatch = Partial<Omit<SessionRecord, 'id' | 'state' | 'version'>>;

/** The session write path. */
export type SessionLifecycle = {
  /** Stores a new session and emits CREATED. */
  create(record: SessionRecord): Promise<SessionRecord>;
  /** Moves a session to `to` if legal from its current state; resolves the new record, or undefined if not moved. */
  transition(
    id: string,
    to: SessionStateName,
    patch?: (current: SessionRecord) => RecordPatch,
  ): Promise<SessionRecord | undefined>;
  /**
   * Moves a QUEUED, STARTING or READY session to CLOSING with `reason`.
   * Resolves `{ record, changed }`; `changed` is false when it was already closing or ended.
   */
  requestClose(
    id: string,
    reason: CloseReasonName,
    message: string,
  ): Promise<{ record: SessionRecord; changed: boolean } | undefined>;
  /** Changes fields without a state change, emitting `event` when given (EXTENDED, QUEUE_POSITION_CHANGED). */
  patch(
    id: string,
    mutate: (current: SessionRecord) => RecordPatch | undefined,
    event?: SessionChangeType,
  ): Promise<SessionRecord | undefined>;
};

/** Dependencies of {@link createLifecycle}. */
export type LifecycleDeps = {
  readonly store: SessionStore;
  readonly clock: Clock;
  readonly observers: readonly ChangeObserver[];
  /** Where a failed fan-out is reported (the write itself already succeeded). */
  readonly onError: (error: unknown) => void;
};

/** Creates the session write path. */
export function createLifecycle(deps: LifecycleDeps): SessionLifecycle {
  const { store, clock } = deps;
  const emit = (change: SessionChange): void => {
    store.publish(change).catch(deps.onError);
    for (const observe of deps.observers) {
      try {
        observe(change);
      } catch (e) {
        deps.onError(e);
      }
    }
  };
  const stamp = (to: SessionStateName, now: number): RecordPatch => ({
    ...(to === 'READY' ? { readyTimeMs: now } : {}),
    ...(isTerminal(to) ? { closeTimeMs: now, queuePosition: 0 } : {}),
    ...(to === 'STARTING' ? { queuePosition: 0 } : {}),
  });
  return {
    async create(record) {
      await store.insert(record);
      emit({ type: 'CREATED', session: record, previousState: record.state, timeMs: record.createTimeMs });
      return record;
    },
    async transition(id, to, patch) {
      const now = clock.now();
      const res = await store.update(id, (cur) =>
        canTransition(cur.state, to) ? { ...cur, ...patch?.(cur), ...stamp(to, now), state: to } : undefined,
      );
      if (!res?.changed) return undefined;
      emit({ type: 'STATE_CHANGED', session: res.after, previousState: res.before.state, timeMs: now });
      return res.after;
    },
    async requestClose(id, reason, message) {
      const now = clock.now();
      const res = await store.update(id, (cur) =>
        canRequestClose(cur.state)
          ? { ...cur, state: 'CLOSING', closeReason: reason, closeMessage: message }
          : undefined,
      );
      if (res === undefined) return undefined;
      if (res.changed)
        emit({ type: 'STATE_CHANGED', session: res.after, previousState: res.before.state, timeMs: now });
      return { record: res.after, changed: res.changed };
    },
    async patch(id, mutate, event) {
      const res = await store.update(id, (cur) => {
        const p = mutate(cur);
        return p === undefined ? undefined : { ...cur, ...p };
      });
      if (res === undefined) return undefined;
      if (res.changed && event !== undefined) {
        emit({ type: event, session: res.after, previousState: res.after.state, timeMs: clock.now() });
      }
      return res.after;
    },
  };
}

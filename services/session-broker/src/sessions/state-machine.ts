/**
 * The session state machine: which transitions are legal. Every state change
 * goes through {@link canTransition}, so a late or duplicate request (a delete
 * racing a TTL expiry on another replica, a crash report for a session that
 * already closed) is a no-op instead of a state going backwards.
 */
import type { SessionStateName } from './record.js';

const NEXT: Readonly<Record<SessionStateName, readonly SessionStateName[]>> = {
  QUEUED: ['STARTING', 'CLOSING', 'FAILED'],
  STARTING: ['READY', 'CLOSING', 'FAILED'],
  READY: ['CLOSING', 'FAILED'],
  CLOSING: ['CLOSED', 'FAILED'],
  CLOSED: [],
  FAILED: [],
};

/** Whether a session in `from` may move to `to`. */
export function canTransition(from: SessionStateName, to: SessionStateName): boolean {
  return NEXT[from].includes(to);
}

/** The states reachable in one step from `from`. */
export function nextStates(from: SessionStateName): readonly SessionStateName[] {
  return NEXT[from];
}

/** Whether a close (delete, TTL, idle) can still be requested: the session is alive and not already closing. */
export function canRequestClose(state: SessionStateName): boolean {
  return state === 'QUEUED' || state === 'STARTING' || state === 'READY';
}

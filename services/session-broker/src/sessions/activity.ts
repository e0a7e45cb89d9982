/**
 * Proxy traffic as session activity. Every CDP message marks its session; the
 * store is written at most once per `minIntervalMs` per session, so a chatty
 * client costs one small write a second, not one per message. The idle timer
 * therefore lags real traffic by at most `minIntervalMs`.
 */
import type { Clock } from '@nightglow/runtime';
import type { SessionLifecycle } from './lifecycle.js';

/** Marks sessions active. */
export type ActivityTracker = {
  /** Records traffic of `sessionId` now. Cheap; never throws. */
  mark(sessionId: string): void;
  /** Forgets a session (its connections are gone). */
  forget(sessionId: string): void;
};

/** Creates a tracker writing `lastActivityMs` through `lifecycle`. */
export function createActivityTracker(opts: {
  readonly lifecycle: SessionLifecycle;
  readonly clock: Clock;
  readonly minIntervalMs: number;
  readonly onError: (e: unknown) => void;
}): ActivityTracker {
  const written = new Map<string, number>();
  return {
    mark(sessionId) {
      const now = opts.clock.now();
      const last = written.get(sessionId);
      if (last !== undefined && now - last < opts.minIntervalMs) return;
      written.set(sessionId, now);
      opts.lifecycle
        .patch(sessionId, (cur) =>
          cur.state === 'READY' && cur.lastActivityMs < now ? { lastActivityMs: now } : undefined,
        )
        .catch(opts.onError);
    },
    forget(sessionId) {
      written.delete(sessionId);
    },
  };
}

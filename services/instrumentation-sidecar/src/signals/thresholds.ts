/**
 * Threshold evaluation with hysteresis. Each condition (instrument, pool,
 * session) holds a level: OK, WARNING or CRITICAL. A sample reaching a threshold
 * raises the level at once; the level falls only when a sample is back past the
 * threshold by at least `hysteresis`, so a value hovering at the line does not
 * flap. Each level change yields the alert transitions to publish.
 */
import { createHash } from 'node:crypto';
import { Severity } from '@nightglow/contracts/common/v1';
import { AlertState, ThresholdDirection, type Thresholds } from '@nightglow/contracts/instrumentation/v1';

/** One alert transition: FIRING or RESOLVED of one severity. */
export type AlertTransition = {
  readonly state: AlertState;
  readonly severity: Severity.WARNING | Severity.CRITICAL;
  readonly threshold: number;
  readonly fingerprint: string;
};

type Level = Severity.UNSPECIFIED | Severity.WARNING | Severity.CRITICAL;

/** The identity of a condition. */
export type ConditionKey = { readonly instrument: string; readonly pool: string; readonly sessionId: string };

/** Lower-case hex SHA-256 of instrument, severity, pool and session (the contract's alert fingerprint). */
export function alertFingerprint(key: ConditionKey, severity: Severity): string {
  const text = [key.instrument, Severity[severity], key.pool, key.sessionId].join('\u0000');
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Whether `value` is on the bad side: reaching the threshold counts; a raised
 * level (`sticky` = its hysteresis) holds until the value is back past it by more
 * than the hysteresis.
 */
function bad(value: number, threshold: number, below: boolean, sticky: number): boolean {
  if (sticky > 0) return below ? value < threshold + sticky : value > threshold - sticky;
  return below ? value <= threshold : value >= threshold;
}

/** The level `value` puts a condition in, given its current level (hysteresis keeps a raised level). */
export function nextLevel(th: Thresholds, current: Level, value: number): Level {
  const below = th.direction === ThresholdDirection.BELOW;
  if (th.critical !== undefined) {
    const sticky = current === Severity.CRITICAL ? th.hysteresis : 0;
    if (bad(value, th.critical, below, sticky)) return Severity.CRITICAL;
  }
  if (th.warn !== undefined) {
    const sticky = current !== Severity.UNSPECIFIED ? th.hysteresis : 0;
    if (bad(value, th.warn, below, sticky)) return Severity.WARNING;
  }
  return Severity.UNSPECIFIED;
}

/** Per-condition levels of the thresholds of every instrument. */
export type ThresholdTracker = {
  /** Feeds a sample; returns the transitions it causes (empty when the level holds). */
  observe(key: ConditionKey, th: Thresholds, value: number): AlertTransition[];
  /** Forgets the conditions of an instrument (removed or replaced blueprint). */
  forget(instrument: string): void;
  /** Conditions currently not OK. */
  active(): number;
};

/** Creates an empty {@link ThresholdTracker}. */
export function createThresholdTracker(): ThresholdTracker {
  const levels = new Map<string, { instrument: string; level: Level }>();
  const thresholdOf = (th: Thresholds, s: Level): number => (s === Severity.CRITICAL ? th.critical : th.warn) ?? 0;
  return {
    observe(key, th, value) {
      const id = `${key.instrument}\u0000${key.pool}\u0000${key.sessionId}`;
      const current = levels.get(id)?.level ?? Severity.UNSPECIFIED;
      const next = nextLevel(th, current, value);
      if (next === current) return [];
      const out: AlertTransition[] = [];
      if (current !== Severity.UNSPECIFIED) {
        out.push({
          state: AlertState.RESOLVED,
          severity: current,
          threshold: thresholdOf(th, current),
          fingerprint: alertFingerprint(key, current),
        });
      }
      if (next !== Severity.UNSPECIFIED) {
        out.push({
          state: AlertState.FIRING,
          severity: next,
          threshold: thresholdOf(th, next),
          fingerprint: alertFingerprint(key, next),
        });
        levels.set(id, { instrument: key.instrument, level: next });
      } else {
        levels.delete(id);
      }
      return out;
    },
    forget(instrument) {
      for (const [id, v] of levels) if (v.instrument === instrument) levels.delete(id);
    },
    active: () => levels.size,
  };
}

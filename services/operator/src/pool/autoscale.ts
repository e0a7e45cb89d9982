/**
 * Autoscaling decisions for a BrowserPool, as pure functions of the broker's
 * figures (so they are tested without a cluster or a clock).
 *
 * - Demand is sessions in use plus requests queued; the wanted browser count
 *   is `ceil(demand / (sessionsPerBrowser × targetUtilization))`, clamped to
 *   [minReplicas, maxReplicas].
 * - Scale-up happens at once. Scale-down waits `scaleDownDelay` after the last
 *   change (no flapping) and never goes below the number of browsers that
 *   hold live sessions.
 * - Which pods go: every pod gets `controller.kubernetes.io/pod-deletion-cost`
 *   = its live session count, so the ReplicaSet removes idle browsers first;
 *   combined with the floor above, a scale-down never removes a browser with
 *   live sessions (unless the broker places a session on an idle browser in
 *   the moment between annotating and scaling, which the next decision sees).
 */

/** What the decision is based on. */
export type ScaleInput = {
  /** Replicas the Deployment asks for now. */
  readonly current: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Percent of capacity to aim for, 1–100. */
  readonly targetUtilization: number;
  readonly sessionsPerBrowser: number;
  readonly inUse: number;
  readonly queued: number;
  /** Browsers holding at least one live session. */
  readonly busyBrowsers: number;
  readonly nowMs: number;
  /** When replicas last changed; undefined if never. */
  readonly lastScaleMs: number | undefined;
  readonly scaleDownDelayMs: number;
};

/** Why the decision came out as it did. */
export type ScaleReason = 'ScaleUp' | 'ScaleDown' | 'Steady' | 'ScaleDownDelayed' | 'BusyBrowsers';

/** The decision: replicas to ask for, why, and the utilisation seen (percent). */
export type ScaleDecision = { readonly replicas: number; readonly reason: ScaleReason; readonly utilization: number };

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** Decides the replica count (see the module comment for the rules). */
export function decideReplicas(i: ScaleInput): ScaleDecision {
  const demand = i.inUse + i.queued;
  const capacity = i.current * i.sessionsPerBrowser;
  const utilization = capacity > 0 ? Math.round((100 * demand) / capacity) : demand > 0 ? 100 : 0;
  const perBrowser = i.sessionsPerBrowser * (clamp(i.targetUtilization, 1, 100) / 100);
  const wanted = clamp(Math.ceil(demand / perBrowser), i.minReplicas, i.maxReplicas);
  if (wanted > i.current) return { replicas: wanted, reason: 'ScaleUp', utilization };
  if (wanted === i.current) return { replicas: i.current, reason: 'Steady', utilization };
  if (i.lastScaleMs !== undefined && i.nowMs - i.lastScaleMs < i.scaleDownDelayMs) {
    return { replicas: i.current, reason: 'ScaleDownDelayed', utilization };
  }
  const floor = Math.max(wanted, Math.min(i.busyBrowsers, i.maxReplicas));
  if (floor >= i.current) return { replicas: i.current, reason: 'BusyBrowsers', utilization };
  return { replicas: floor, reason: 'ScaleDown', utilization };
}

/** Pod deletion costs by pod name: the live session count, so idle pods are removed first. */
export function deletionCosts(browsers: readonly { podName: string; sessionCount: number }[]): Map<string, number> {
  return new Map(browsers.filter((b) => b.podName).map((b) => [b.podName, b.sessionCount]));
}

/** The annotation the ReplicaSet controller reads to pick pods to delete. */
export const DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

/**
 * Least-loaded placement, as a pure function over a snapshot of a pool's
 * browsers. Roles: `warm` (launched, never used: the prewarm reserve), `shared`
 * (hosts CONTEXT sessions), `dedicated` (hosts one BROWSER session, never reused).
 *
 * - CONTEXT: the shared browser with the fewest sessions and room for one more
 *   (ties: READY before STARTING, then the lower id); else a warm browser
 *   becomes shared; else launch.
 * - BROWSER: a warm browser becomes dedicated; else launch.
 */

/** A browser's role in its pool (see the module comment). */
export type BrowserRole = 'warm' | 'shared' | 'dedicated';

/** Health of a browser endpoint (the proto `BrowserState`). */
export type BrowserStateName = 'STARTING' | 'READY' | 'DRAINING' | 'UNHEALTHY';

/** What placement needs to know about one browser. */
export type PlacementCandidate = {
  readonly id: string;
  readonly state: BrowserStateName;
  readonly role: BrowserRole;
  readonly sessionCount: number;
  readonly maxSessions: number;
};

/** The decision: use a browser (maybe changing its role), launch a new one, or no room at all. */
export type PlacementDecision =
  | { readonly kind: 'use'; readonly browserId: string; readonly role: 'shared' | 'dedicated' }
  | { readonly kind: 'launch'; readonly role: 'shared' | 'dedicated' }
  | { readonly kind: 'none'; readonly why: string };

const readyFirst = (b: PlacementCandidate): number => (b.state === 'READY' ? 0 : 1);

function byLoad(a: PlacementCandidate, b: PlacementCandidate): number {
  return a.sessionCount - b.sessionCount || readyFirst(a) - readyFirst(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Chooses where a new session goes. `canLaunch`: the source can start another browser now. */
export function choosePlacement(
  browsers: readonly PlacementCandidate[],
  isolation: 'CONTEXT' | 'BROWSER',
  canLaunch: boolean,
): PlacementDecision {
  // A browser still starting counts: waiting for it beats launching yet another.
  const ready = browsers.filter((b) => b.state === 'READY' || b.state === 'STARTING');
  const warm = ready.filter((b) => b.role === 'warm').sort(byLoad)[0];
  if (isolation === 'BROWSER') {
    if (warm !== undefined) return { kind: 'use', browserId: warm.id, role: 'dedicated' };
    return canLaunch
      ? { kind: 'launch', role: 'dedicated' }
      : { kind: 'none', why: 'no idle browser for a dedicated session' };
  }
  const shared = ready.filter((b) => b.role === 'shared' && b.sessionCount < b.maxSessions).sort(byLoad)[0];
  if (shared !== undefined) return { kind: 'use', browserId: shared.id, role: 'shared' };
  if (warm !== undefined) return { kind: 'use', browserId: warm.id, role: 'shared' };
  return canLaunch ? { kind: 'launch', role: 'shared' } : { kind: 'none', why: 'every browser of the pool is full' };
}

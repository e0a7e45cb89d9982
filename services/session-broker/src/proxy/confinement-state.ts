/**
 * What the CDP proxy knows about one client connection: its browser context,
 * the flat sessions and targets it may use, the windows of its pages, and the
 * client commands whose answers must be rewritten. Shared by the client-side
 * (`client-rules.ts`) and browser-side (`browser-rules.ts`) rules.
 */

/** Client command ids at or above this are the proxy's own commands; their answers never reach the client. */
export const INTERNAL_ID_BASE = 2_000_000_000;

/** Answers the proxy must rewrite, by kind. */
export type PendingRewrite = 'getTargets' | 'createTarget' | 'attachToTarget' | 'getWindowForTarget';

/** The scope a connection is confined to. */
export type ConfinementScope = {
  readonly isolation: 'CONTEXT' | 'BROWSER';
  /** The session's browser context (empty with BROWSER isolation). */
  readonly contextId: string;
  /** The browser-wide registry's view of a target's context (the broker's own connection). */
  readonly lookupContext: (targetId: string) => string | undefined;
};

/** Mutable per-connection state. */
export type ConfinementState = {
  readonly scope: ConfinementScope;
  /** Flat sessions attached to the session's own targets. */
  readonly ownSessions: Set<string>;
  /** Targets seen on this connection, with their context ('' for the browser target). */
  readonly targets: Map<string, string>;
  /** Window ids of the session's own pages (from Browser.getWindowForTarget). */
  readonly windows: Set<number>;
  readonly pending: Map<number, PendingRewrite>;
  nextInternalId: number;
};

/** A fresh state for `scope`. */
export function createConfinementState(scope: ConfinementScope): ConfinementState {
  return {
    scope,
    ownSessions: new Set(),
    targets: new Map(),
    windows: new Set(),
    pending: new Map(),
    nextInternalId: INTERNAL_ID_BASE,
  };
}

/** Whether `targetId` belongs to the session's context. */
export function ownsTarget(state: ConfinementState, targetId: unknown): boolean {
  if (typeof targetId !== 'string') return false;
  const ctx = state.targets.get(targetId) ?? state.scope.lookupContext(targetId);
  return ctx !== undefined && ctx === state.scope.contextId;
}

/** A JSON-RPC error answer for command `id` (on `sessionId` when given), as Chromium would phrase it. */
export function errorReply(id: unknown, message: string, opts: { code?: number; sessionId?: string } = {}): string {
  const error = { code: opts.code ?? -32000, message };
  return JSON.stringify(opts.sessionId === undefined ? { id, error } : { id, error, sessionId: opts.sessionId });
}

/** An internal command the proxy sends upstream (its answer is dropped). */
export function internalCommand(
  state: ConfinementState,
  command: { readonly method: string; readonly params: Record<string, unknown>; readonly sessionId?: string },
): string {
  return JSON.stringify({ id: state.nextInternalId++, ...command });
}

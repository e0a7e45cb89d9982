/**
 * A session as the broker stores it (in memory or in Redis, as JSON). The
 * proto `Session` is derived from it at the RPC boundary (`to-proto.ts`).
 *
 * Lifecycle (`SessionStateName`):
 *
 *     QUEUED ──► STARTING ──► READY ──► CLOSING ──► CLOSED
 *        │           │          │          │
 *        └───────────┴──────────┴──────────┴──────► FAILED
 *
 * plus QUEUED/STARTING ──► CLOSING when a waiting or starting session is
 * deleted. CLOSED and FAILED are terminal; the record is kept for the
 * retention period, then forgotten.
 */

/** The lifecycle state of a session (see the diagram above). */
export type SessionStateName = 'QUEUED' | 'STARTING' | 'READY' | 'CLOSING' | 'CLOSED' | 'FAILED';

/** How a session is isolated: a browser context in a shared browser, or a dedicated browser. */
export type IsolationName = 'CONTEXT' | 'BROWSER';

/** How far `start_url` must load before READY. */
export type WaitUntilName = 'NONE' | 'DOMCONTENTLOADED' | 'LOAD';

/** Why a session ended. */
export type CloseReasonName =
  'DELETED' | 'TTL_EXPIRED' | 'IDLE_TIMEOUT' | 'QUEUE_TIMEOUT' | 'START_FAILED' | 'BROWSER_CRASHED' | 'POOL_REMOVED';

/** Page geometry applied to every page of the session. */
export type ViewportSpec = {
  readonly width: number;
  readonly height: number;
  readonly deviceScaleFactor: number;
  readonly isMobile: boolean;
  readonly hasTouch: boolean;
  readonly isLandscape: boolean;
};

/** The effective options of a session: request, then pool defaults, then built-in defaults. */
export type EffectiveOptions = {
  readonly isolation: IsolationName;
  readonly ttlMs: number;
  readonly idleTimeoutMs: number;
  readonly queueTimeoutMs: number;
  /** Empty: the first page stays `about:blank`. */
  readonly startUrl: string;
  readonly waitUntil: WaitUntilName;
  readonly viewport: ViewportSpec;
  /** Empty: the browser's own. */
  readonly userAgent: string;
  readonly locale: string;
  readonly timezoneId: string;
  readonly proxyServer: string;
};

/** A stored session. Times are epoch milliseconds; 0 means "not yet". */
export type SessionRecord = {
  readonly id: string;
  readonly pool: string;
  readonly state: SessionStateName;
  /** Bumped by every write; the store refuses a write based on a stale version. */
  readonly version: number;
  /** The replica that queued and placed the session and holds its browser. */
  readonly ownerId: string;
  /** `host:port` of the owner's HTTP listener: where other replicas forward CDP connections. */
  readonly ownerAddress: string;
  readonly cdpEndpoint: string;
  readonly browserId: string;
  /** Empty with BROWSER isolation (the dedicated browser's default context). */
  readonly browserContextId: string;
  /** The page the broker opened for the session. */
  readonly pageTargetId: string;
  readonly sidecarAddress: string;
  readonly createTimeMs: number;
  readonly readyTimeMs: number;
  readonly expireTimeMs: number;
  readonly lastActivityMs: number;
  readonly closeTimeMs: number;
  /** Upper bound of `expireTimeMs - createTimeMs` (the pool's max_ttl); 0 = none. */
  readonly maxTtlMs: number;
  readonly labels: Readonly<Record<string, string>>;
  /** The SessionOptions exactly as requested, in proto JSON form. */
  readonly requestedOptions: Readonly<Record<string, unknown>>;
  readonly effective: EffectiveOptions;
  readonly requestId: string;
  /** 1-based while QUEUED; 0 otherwise. */
  readonly queuePosition: number;
  readonly closeReason: CloseReasonName | '';
  readonly closeMessage: string;
};

/** States that hold capacity in a pool. */
export const HOLDING_STATES: ReadonlySet<SessionStateName> = new Set(['STARTING', 'READY', 'CLOSING']);

/** Terminal states. */
export const TERMINAL_STATES: ReadonlySet<SessionStateName> = new Set(['CLOSED', 'FAILED']);

/** Whether the session has ended. */
export function isTerminal(state: SessionStateName): boolean {
  return TERMINAL_STATES.has(state);
}

/**
 * Which session a page belongs to (from the broker's AttachSession /
 * DetachSession, by browser context) and which action runs in each session
 * (from the executor's MarkPhase). Measurements take their session, task,
 * action and pool ids from here.
 */
import { ActionPhase, type AttachSessionRequest, type MarkPhaseRequest } from '@nightglow/contracts/instrumentation/v1';

/** The running action of a session. */
export type RunningAction = {
  readonly taskId: string;
  readonly actionId: string;
  readonly actionIndex: number;
  readonly startMs: number;
};

/** One action of a session, by the executor's clock (its phase marks' `time`). */
export type ActionSpan = {
  readonly taskId: string;
  readonly actionId: string;
  readonly startMs: number;
  /** Undefined while the END was not marked. */
  endMs: number | undefined;
};

/**
 * How long after an action's END a navigation that starts is still taken as
 * that action's doing (a click whose navigation begins a moment later), ms.
 */
export const LATE_NAVIGATION_MS = 2000;

/** A session attached to this sidecar's browser. */
export type SessionBinding = {
  readonly sessionId: string;
  /** Empty for BROWSER isolation: every page of the browser. */
  readonly browserContextId: string;
  readonly pool: string;
  readonly labels: Readonly<Record<string, string>>;
  taskId: string;
  action: RunningAction | undefined;
  /** START times of recent actions by action id, for durations. */
  readonly starts: Map<string, number>;
  /** When the session was attached, by the sidecar's clock (ms). */
  readonly attachedMs: number;
  /** Recent actions in START order (at most {@link MAX_SPANS}), to attribute navigations by their start time. */
  readonly spans: ActionSpan[];
};

/**
 * How long after AttachSession a session that has not been marked yet may
 * still expect its first mark (a task's first action), ms. After it, a session
 * driven only through the CDP proxy does not hold its measurements back.
 */
export const FIRST_MARK_WINDOW_MS = 10_000;

/** How many recent actions a session remembers for attribution. */
export const MAX_SPANS = 64;

/** The attribution of a page (or of nothing: the sidecar's pool only). */
export type Attribution = {
  readonly sessionId: string;
  readonly taskId: string;
  readonly actionId: string;
  readonly pool: string;
  readonly labels: Readonly<Record<string, string>>;
};

/** The map; see the module comment. */
export type SessionMap = {
  attach(req: AttachSessionRequest): SessionBinding;
  detach(sessionId: string): boolean;
  get(sessionId: string): SessionBinding | undefined;
  /** The session of a browser context; a BROWSER-isolation session claims every context. */
  forContext(browserContextId: string): SessionBinding | undefined;
  attribution(browserContextId: string): Attribution;
  /**
   * The attribution of something that began at `atMs` (a navigation's start):
   * the action whose START is the latest at or before `atMs`, unless it ended
   * more than {@link LATE_NAVIGATION_MS} before; else the session's task only.
   */
  attributionAt(browserContextId: string, atMs: number): Attribution;
  /**
   * True when a phase mark still to come could change {@link attributionAt} for
   * `atMs`: the session has no action covering `atMs` and no START after it yet
   * (marks travel apart from the browser's events and may arrive after them).
   */
  awaitsMark(browserContextId: string, atMs: number): boolean;
  /** Calls `listener` after every mark of any session; returns its unsubscribe. */
  onMark(listener: (sessionId: string) => void): () => void;
  /** Records a phase; for END returns the action's duration in ms when its START was seen. */
  mark(req: MarkPhaseRequest, atMs: number): { binding: SessionBinding | undefined; durationMs: number | undefined };
  size(): number;
};

/** Creates an empty map; `defaultPool` is the pool of unattributed pages, `now` the sidecar's clock (ms). */
export function createSessionMap(defaultPool: string, now: () => number = Date.now): SessionMap {
  const bySession = new Map<string, SessionBinding>();
  const byContext = new Map<string, SessionBinding>();
  const listeners = new Set<(sessionId: string) => void>();
  const record = (req: MarkPhaseRequest, atMs: number): ReturnType<SessionMap['mark']> => {
    const binding = bySession.get(req.sessionId);
    if (binding === undefined) return { binding, durationMs: undefined };
    if (req.taskId !== '') binding.taskId = req.taskId;
    if (req.phase === ActionPhase.START) {
      binding.action = { taskId: req.taskId, actionId: req.actionId, actionIndex: req.actionIndex, startMs: atMs };
      binding.starts.set(req.actionId, atMs);
      if (binding.starts.size > MAX_SPANS) binding.starts.delete(binding.starts.keys().next().value ?? '');
      insertSpan(binding.spans, { taskId: req.taskId, actionId: req.actionId, startMs: atMs, endMs: undefined });
      return { binding, durationMs: undefined };
    }
    const start = binding.starts.get(req.actionId);
    binding.starts.delete(req.actionId);
    const span = binding.spans.findLast((s) => s.actionId === req.actionId);
    if (span !== undefined) span.endMs = Math.max(span.startMs, atMs);
    if (binding.action?.actionId === req.actionId) binding.action = undefined;
    return { binding, durationMs: start === undefined ? undefined : Math.max(0, atMs - start) };
  };
  const map: SessionMap = {
    attach(req) {
      map.detach(req.sessionId);
      const binding: SessionBinding = {
        sessionId: req.sessionId,
        browserContextId: req.browserContextId,
        pool: req.pool || defaultPool,
        labels: { ...req.labels },
        taskId: req.taskId,
        action: undefined,
        starts: new Map(),
        spans: [],
        attachedMs: now(),
      };
      bySession.set(req.sessionId, binding);
      byContext.set(req.browserContextId, binding);
      return binding;
    },
    detach(sessionId) {
      const binding = bySession.get(sessionId);
      if (binding === undefined) return false;
      bySession.delete(sessionId);
      if (byContext.get(binding.browserContextId) === binding) byContext.delete(binding.browserContextId);
      return true;
    },
    get: (sessionId) => bySession.get(sessionId),
    forContext: (contextId) => byContext.get(contextId) ?? byContext.get(''),
    attribution(contextId) {
      const b = map.forContext(contextId);
      if (b === undefined) return { sessionId: '', taskId: '', actionId: '', pool: defaultPool, labels: {} };
      return {
        sessionId: b.sessionId,
        taskId: b.action?.taskId ?? b.taskId,
        actionId: b.action?.actionId ?? '',
        pool: b.pool,
        labels: b.labels,
      };
    },
    attributionAt(contextId, atMs) {
      const b = map.forContext(contextId);
      if (b === undefined) return map.attribution(contextId);
      const span = spanAt(b, atMs);
      if (span === undefined || (span.endMs !== undefined && atMs - span.endMs > LATE_NAVIGATION_MS))
        return { sessionId: b.sessionId, taskId: b.taskId, actionId: '', pool: b.pool, labels: b.labels };
      return { sessionId: b.sessionId, taskId: span.taskId, actionId: span.actionId, pool: b.pool, labels: b.labels };
    },
    awaitsMark(contextId, atMs) {
      const b = map.forContext(contextId);
      if (b === undefined) return false;
      const last = b.spans.at(-1);
      if (last === undefined && now() - b.attachedMs > FIRST_MARK_WINDOW_MS) return false;
      if (last !== undefined && last.startMs > atMs) return false; // a later action started: the past is complete
      const span = spanAt(b, atMs);
      return span === undefined || (span.endMs !== undefined && span.endMs < atMs);
    },
    onMark(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    mark(req, atMs) {
      const out = record(req, atMs);
      listeners.forEach((l) => l(req.sessionId));
      return out;
    },
    size: () => bySession.size,
  };
  return map;
}

/** Inserts `span` in START order (marks may arrive out of order), keeping the newest {@link MAX_SPANS}. */
function insertSpan(spans: ActionSpan[], span: ActionSpan): void {
  let i = spans.length;
  while (i > 0 && (spans[i - 1]?.startMs ?? 0) > span.startMs) i--;
  spans.splice(i, 0, span);
  if (spans.length > MAX_SPANS) spans.shift();
}

/** The action with the latest START at or before `atMs`. */
function spanAt(b: SessionBinding, atMs: number): ActionSpan | undefined {
  return b.spans.findLast((s) => s.startMs <= atMs);
}

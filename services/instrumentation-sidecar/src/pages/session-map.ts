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
};

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
  /** Records a phase; for END returns the action's duration in ms when its START was seen. */
  mark(req: MarkPhaseRequest, atMs: number): { binding: SessionBinding | undefined; durationMs: number | undefined };
  size(): number;
};

/** Creates an empty map; `defaultPool` is the pool of unattributed pages. */
export function createSessionMap(defaultPool: string): SessionMap {
  const bySession = new Map<string, SessionBinding>();
  const byContext = new Map<string, SessionBinding>();
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
    mark(req, atMs) {
      const binding = bySession.get(req.sessionId);
      if (binding === undefined) return { binding, durationMs: undefined };
      if (req.taskId !== '') binding.taskId = req.taskId;
      if (req.phase === ActionPhase.START) {
        binding.action = { taskId: req.taskId, actionId: req.actionId, actionIndex: req.actionIndex, startMs: atMs };
        binding.starts.set(req.actionId, atMs);
        if (binding.starts.size > 64) binding.starts.delete(binding.starts.keys().next().value ?? '');
        return { binding, durationMs: undefined };
      }
      const start = binding.starts.get(req.actionId);
      binding.starts.delete(req.actionId);
      if (binding.action?.actionId === req.actionId) binding.action = undefined;
      return { binding, durationMs: start === undefined ? undefined : Math.max(0, atMs - start) };
    },
    size: () => bySession.size,
  };
  return map;
}

/**
 * Browser → client rules of the CDP proxy (CONTEXT isolation). Frames of the
 * client's own flat sessions pass untouched on the fast path (a look at the
 * frame's tail, no parse). `Target.*` events are shown only for the session's
 * own targets; a foreign target the client's auto-attach caught is resumed
 * and detached by the proxy itself, unseen. Answers to `Target.getTargets`
 * are filtered; answers to commands that create or attach targets teach the
 * proxy the new targets and sessions.
 */
import { INTERNAL_ID_BASE, internalCommand, type ConfinementState, type PendingRewrite } from './confinement-state.js';
import { isTargetEvent, peekId, peekSessionId } from './message-peek.js';

/** What to do with one browser frame: forward it (as is, or rewritten), and commands to send upstream. */
export type BrowserVerdict = { readonly forward: Buffer | string | null; readonly upstream: readonly string[] };

type Info = { targetId?: unknown; browserContextId?: unknown; type?: unknown };
type Frame = {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  sessionId?: string;
};

const DROP: BrowserVerdict = { forward: null, upstream: [] };

function learn(s: ConfinementState, info: Info | undefined): boolean {
  if (info === undefined || typeof info.targetId !== 'string') return false;
  const ctx = typeof info.browserContextId === 'string' ? info.browserContextId : '';
  s.targets.set(info.targetId, ctx);
  return ctx === s.scope.contextId || info.type === 'browser';
}

function rewriteAnswer(s: ConfinementState, f: Frame, kind: PendingRewrite): string {
  const result = f.result ?? {};
  if (kind === 'getTargets' && Array.isArray(result['targetInfos'])) {
    const infos = (result['targetInfos'] as Info[]).filter((i) => learn(s, i) && i.type !== 'browser');
    return JSON.stringify({ ...f, result: { ...result, targetInfos: infos } });
  }
  if (kind === 'createTarget' && typeof result['targetId'] === 'string')
    s.targets.set(result['targetId'], s.scope.contextId);
  if (kind === 'attachToTarget' && typeof result['sessionId'] === 'string') s.ownSessions.add(result['sessionId']);
  if (kind === 'getWindowForTarget' && typeof result['windowId'] === 'number') s.windows.add(result['windowId']);
  return JSON.stringify(f);
}

function targetEvent(s: ConfinementState, f: Frame, raw: Buffer): BrowserVerdict {
  const p = f.params ?? {};
  switch (f.method) {
    case 'Target.targetCreated':
    case 'Target.targetInfoChanged':
      return learn(s, p['targetInfo'] as Info) ? { forward: raw, upstream: [] } : DROP;
    case 'Target.targetDestroyed':
    case 'Target.targetCrashed': {
      const own = s.targets.get(String(p['targetId'])) === s.scope.contextId;
      if (f.method === 'Target.targetDestroyed') s.targets.delete(String(p['targetId']));
      return own ? { forward: raw, upstream: [] } : DROP;
    }
    case 'Target.attachedToTarget': {
      const child = String(p['sessionId']);
      const info = p['targetInfo'] as Info | undefined;
      if (learn(s, info) && info?.type !== 'browser') {
        s.ownSessions.add(child);
        return { forward: raw, upstream: [] };
      }
      const upstream: string[] = [];
      if (p['waitingForDebugger'] === true) {
        upstream.push(internalCommand(s, { method: 'Runtime.runIfWaitingForDebugger', params: {}, sessionId: child }));
      }
      const parent = f.sessionId === undefined ? {} : { sessionId: f.sessionId };
      upstream.push(internalCommand(s, { method: 'Target.detachFromTarget', params: { sessionId: child }, ...parent }));
      return { forward: null, upstream };
    }
    case 'Target.detachedFromTarget':
    case 'Target.receivedMessageFromTarget': {
      const child = String(p['sessionId']);
      const own = s.ownSessions.has(child);
      if (f.method === 'Target.detachedFromTarget') s.ownSessions.delete(child);
      return own ? { forward: raw, upstream: [] } : DROP;
    }
    default:
      return { forward: raw, upstream: [] };
  }
}

/** Decides what happens to one browser frame under `state` (CONTEXT isolation). */
export function judgeBrowserFrame(state: ConfinementState, raw: Buffer): BrowserVerdict {
  const id = peekId(raw);
  if (id !== undefined && id >= INTERNAL_ID_BASE) return DROP;
  const tail = peekSessionId(raw);
  const needsRewrite = id !== undefined && state.pending.has(id);
  if (tail !== null && !needsRewrite && !isTargetEvent(raw)) {
    return state.ownSessions.has(tail) ? { forward: raw, upstream: [] } : DROP;
  }
  let f: Frame;
  try {
    f = JSON.parse(raw.toString('utf8')) as Frame;
  } catch {
    return DROP;
  }
  if (f.sessionId !== undefined && !state.ownSessions.has(f.sessionId)) return DROP;
  if (typeof f.id === 'number') {
    if (f.id >= INTERNAL_ID_BASE) return DROP;
    const kind = state.pending.get(f.id);
    if (kind === undefined) return { forward: raw, upstream: [] };
    state.pending.delete(f.id);
    return { forward: f.result === undefined ? raw : rewriteAnswer(state, f, kind), upstream: [] };
  }
  if (typeof f.method === 'string' && f.method.startsWith('Target.')) return targetEvent(state, f, raw);
  return { forward: raw, upstream: [] };
}

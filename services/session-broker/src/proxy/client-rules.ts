/**
 * Client → browser rules of the CDP proxy. With CONTEXT isolation a client
 * may only use flat sessions of its own targets; at browser level it may use
 * an allow-list of methods, `Target.*` only on its own targets, and methods
 * that take a `browserContextId` only with its own (injected when absent, so
 * `Target.createTarget` opens pages in its context). It can never close the
 * browser, create or dispose of contexts, or attach to the browser target.
 * With BROWSER isolation everything passes except closing or crashing the
 * browser (the session owns it; the broker ends it on DeleteSession).
 */
import { errorReply, ownsTarget, type ConfinementState } from './confinement-state.js';
import { peekClientDomain, peekSessionId } from './message-peek.js';

/** What to do with one client frame. */
export type ClientVerdict =
  { readonly kind: 'forward'; readonly text?: string } | { readonly kind: 'reply'; readonly text: string };

type Command = { id?: unknown; method?: unknown; params?: Record<string, unknown>; sessionId?: unknown };

const NEVER = new Set(['Browser.close', 'Browser.crash', 'Browser.crashGpuProcess']);
const BROWSER_LEVEL_OK = new Set([
  'Browser.getVersion',
  'Browser.getBrowserCommandLine',
  'Browser.setDownloadBehavior',
  'Browser.cancelDownload',
  'Browser.grantPermissions',
  'Browser.resetPermissions',
  'Browser.setPermission',
  'Storage.getCookies',
  'Storage.setCookies',
  'Storage.clearCookies',
  'SystemInfo.getInfo',
  'SystemInfo.getFeatureState',
  'IO.read',
  'IO.close',
  'Schema.getDomains',
]);
const CONTEXT_PARAM = new Set([
  'Browser.setDownloadBehavior',
  'Browser.cancelDownload',
  'Browser.grantPermissions',
  'Browser.resetPermissions',
  'Browser.setPermission',
  'Storage.getCookies',
  'Storage.setCookies',
  'Storage.clearCookies',
]);
const ON_OWN_TARGET = new Set([
  'Target.attachToTarget',
  'Target.closeTarget',
  'Target.activateTarget',
  'Target.exposeDevToolsProtocol',
  'Target.autoAttachRelated',
]);

const refuse = (c: Command, why: string, sessionId?: string): ClientVerdict => ({
  kind: 'reply',
  text: errorReply(c.id, why, sessionId === undefined ? {} : { sessionId }),
});
const noTarget = (c: Command, sessionId?: string): ClientVerdict => ({
  kind: 'reply',
  text: errorReply(c.id, 'No target with given id found', { code: -32602, ...(sessionId ? { sessionId } : {}) }),
});
const rewrite = (c: Command, params: Record<string, unknown>): ClientVerdict => ({
  kind: 'forward',
  text: JSON.stringify({ ...c, params }),
});

function targetCommand(s: ConfinementState, c: Command, sessionId?: string): ClientVerdict {
  const method = String(c.method);
  const p = c.params ?? {};
  const id = typeof c.id === 'number' ? c.id : -1;
  const ctx = s.scope.contextId;
  if ((method === 'Target.setAutoAttach' || method === 'Target.attachToTarget') && p['flatten'] !== true) {
    return refuse(c, `${method} must use flat sessions (flatten: true) through the Nightglow CDP proxy`, sessionId);
  }
  if (method === 'Target.setDiscoverTargets' || method === 'Target.setAutoAttach') return { kind: 'forward' };
  if (method === 'Target.getTargets') return (s.pending.set(id, 'getTargets'), { kind: 'forward' });
  if (method === 'Target.getBrowserContexts') {
    return { kind: 'reply', text: JSON.stringify({ id: c.id, result: { browserContextIds: [ctx] } }) };
  }
  if (method === 'Target.createTarget') {
    if (p['browserContextId'] !== undefined && p['browserContextId'] !== ctx) return noTarget(c, sessionId);
    s.pending.set(id, 'createTarget');
    return rewrite(c, { ...p, browserContextId: ctx });
  }
  if (ON_OWN_TARGET.has(method)) {
    if (!ownsTarget(s, p['targetId'])) return noTarget(c, sessionId);
    if (method === 'Target.attachToTarget') s.pending.set(id, 'attachToTarget');
    return { kind: 'forward' };
  }
  if (method === 'Target.getTargetInfo') {
    return p['targetId'] === undefined || ownsTarget(s, p['targetId']) ? { kind: 'forward' } : noTarget(c, sessionId);
  }
  if (method === 'Target.detachFromTarget') {
    const ok = typeof p['sessionId'] === 'string' ? s.ownSessions.has(p['sessionId']) : ownsTarget(s, p['targetId']);
    return ok ? { kind: 'forward' } : refuse(c, 'No session with given id', sessionId);
  }
  return refuse(c, `${method} is not allowed by the Nightglow CDP proxy (CONTEXT isolation)`, sessionId);
}

function browserCommand(s: ConfinementState, c: Command, method: string): ClientVerdict {
  const p = c.params ?? {};
  if (method.startsWith('Target.')) return targetCommand(s, c);
  if (CONTEXT_PARAM.has(method)) {
    const given = p['browserContextId'];
    if (given !== undefined && given !== s.scope.contextId) return refuse(c, 'Failed to find browser context with id');
    return rewrite(c, { ...p, browserContextId: s.scope.contextId });
  }
  if (BROWSER_LEVEL_OK.has(method)) return { kind: 'forward' };
  if (method === 'Browser.getWindowForTarget') {
    if (!ownsTarget(s, p['targetId'])) return noTarget(c);
    if (typeof c.id === 'number') s.pending.set(c.id, 'getWindowForTarget');
    return { kind: 'forward' };
  }
  if (method === 'Browser.getWindowBounds' || method === 'Browser.setWindowBounds') {
    return typeof p['windowId'] === 'number' && s.windows.has(p['windowId'])
      ? { kind: 'forward' }
      : refuse(c, 'Browser window not found');
  }
  return refuse(c, `${method} is not allowed at browser level by the Nightglow CDP proxy (CONTEXT isolation)`);
}

const FORWARD: ClientVerdict = { kind: 'forward' };

/**
 * The fast path: a command on one of the client's own flat sessions, in a domain other
 * than Target or Browser, passes without a parse (with BROWSER isolation: any command
 * outside the Browser domain). Undefined means "parse and judge".
 */
export function judgeClientFrameFast(state: ConfinementState, frame: Buffer): ClientVerdict | undefined {
  const domain = peekClientDomain(frame);
  if (domain === undefined || domain === 'Browser') return undefined;
  if (state.scope.isolation === 'BROWSER') return FORWARD;
  if (domain === 'Target') return undefined;
  const sessionId = peekSessionId(frame);
  return sessionId !== null && state.ownSessions.has(sessionId) ? FORWARD : undefined;
}

/** Decides what happens to one client frame (`text`) under `state`. */
export function judgeClientFrame(state: ConfinementState, text: string): ClientVerdict {
  let c: Command;
  try {
    c = JSON.parse(text) as Command;
  } catch {
    return { kind: 'reply', text: errorReply(null, 'Message must be a valid JSON', { code: -32700 }) };
  }
  if (typeof c !== 'object' || c === null || typeof c.method !== 'string') {
    return {
      kind: 'reply',
      text: errorReply(c?.id ?? null, 'Message must have string "method" property', { code: -32600 }),
    };
  }
  const method = c.method;
  if (NEVER.has(method))
    return refuse(c, `${method} is not allowed through the Nightglow CDP proxy: end the session with DeleteSession`);
  if (state.scope.isolation === 'BROWSER') return { kind: 'forward' };
  if (c.sessionId !== undefined) {
    const sid = String(c.sessionId);
    if (!state.ownSessions.has(sid)) {
      return {
        kind: 'reply',
        text: errorReply(c.id, 'Session with given id not found.', { code: -32001, sessionId: sid }),
      };
    }
    return method.startsWith('Target.') ? targetCommand(state, c, sid) : { kind: 'forward' };
  }
  return browserCommand(state, c, method);
}

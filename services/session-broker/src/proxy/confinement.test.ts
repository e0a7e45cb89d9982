import { describe, expect, it } from 'vitest';
import { judgeBrowserFrame } from './browser-rules.js';
import { judgeClientFrame, judgeClientFrameFast } from './client-rules.js';
import { createConfinementState, INTERNAL_ID_BASE, type ConfinementState } from './confinement-state.js';
import { isTargetEvent, peekId, peekSessionId } from './message-peek.js';

const OWN = 'CTX-OWN';
const OTHER = 'CTX-OTHER';
const registry = new Map([
  ['page-own', OWN],
  ['page-other', OTHER],
]);

function state(isolation: 'CONTEXT' | 'BROWSER' = 'CONTEXT'): ConfinementState {
  return createConfinementState({ isolation, contextId: OWN, lookupContext: (t) => registry.get(t) });
}
const client = (s: ConfinementState, msg: object) => judgeClientFrame(s, JSON.stringify(msg));
const browser = (s: ConfinementState, msg: object) => judgeBrowserFrame(s, Buffer.from(JSON.stringify(msg)));
const errorOf = (v: ReturnType<typeof client>) =>
  v.kind === 'reply' ? (JSON.parse(v.text) as { error?: { message: string } }).error : undefined;

describe('message peek', () => {
  it('reads the top-level session id from the tail only when the shape is exact', () => {
    expect(peekSessionId(Buffer.from('{"id":5,"result":{},"sessionId":"ABC123"}'))).toBe('ABC123');
    expect(peekSessionId(Buffer.from('{"method":"X","params":{"sessionId":"NESTED"}}'))).toBeNull();
    expect(peekSessionId(Buffer.from('{"id":5,"result":{}}'))).toBeNull();
    expect(peekId(Buffer.from('{"id":42,"result":{}}'))).toBe(42);
    expect(peekId(Buffer.from('{"method":"Page.x","params":{}}'))).toBeUndefined();
    expect(isTargetEvent(Buffer.from('{"method":"Target.attachedToTarget","params":{}}'))).toBe(true);
    expect(isTargetEvent(Buffer.from('{"method":"Page.loadEventFired","params":{}}'))).toBe(false);
  });
});

describe('client fast path', () => {
  it('passes own-session commands unparsed in puppeteer and Playwright shapes, nothing else', () => {
    const s = state();
    s.ownSessions.add('S-OWN');
    const fast = (text: string) => judgeClientFrameFast(s, Buffer.from(text));
    expect(fast('{"method":"Runtime.evaluate","params":{"expression":"1"},"id":3,"sessionId":"S-OWN"}')).toEqual({
      kind: 'forward',
    });
    expect(fast('{"id":3,"method":"Page.navigate","params":{"url":"x"},"sessionId":"S-OWN"}')).toEqual({
      kind: 'forward',
    });
    expect(fast('{"method":"Runtime.evaluate","params":{},"id":3,"sessionId":"S-OTHER"}')).toBeUndefined();
    expect(fast('{"method":"Target.createTarget","params":{},"id":3,"sessionId":"S-OWN"}')).toBeUndefined();
    expect(fast('{"method":"Browser.close","params":{},"id":3,"sessionId":"S-OWN"}')).toBeUndefined();
    expect(fast('{"method":"Runtime.evaluate","params":{"sessionId":"S-OWN"},"id":3}')).toBeUndefined();
    expect(fast('{"params":{},"method":"Runtime.evaluate","id":3,"sessionId":"S-OWN"}')).toBeUndefined();
  });
});

describe('client rules (CONTEXT)', () => {
  it('refuses closing the browser and managing contexts', () => {
    const s = state();
    for (const method of [
      'Browser.close',
      'Browser.crash',
      'Target.createBrowserContext',
      'Target.disposeBrowserContext',
      'Target.attachToBrowserTarget',
    ]) {
      expect(client(s, { id: 1, method, params: { browserContextId: OWN } }).kind).toBe('reply');
    }
  });

  it('answers getBrowserContexts with the own context only', () => {
    const v = client(state(), { id: 3, method: 'Target.getBrowserContexts' });
    expect(v).toEqual({ kind: 'reply', text: JSON.stringify({ id: 3, result: { browserContextIds: [OWN] } }) });
  });

  it('rewrites createTarget into the own context and refuses a foreign one', () => {
    const s = state();
    const v = client(s, { id: 4, method: 'Target.createTarget', params: { url: 'about:blank' } });
    expect(v.kind === 'forward' && JSON.parse(v.text ?? '{}').params.browserContextId).toBe(OWN);
    expect(
      errorOf(client(s, { id: 5, method: 'Target.createTarget', params: { url: 'x', browserContextId: OTHER } })),
    ).toBeDefined();
  });

  it('lets the client attach to or close its own targets only', () => {
    const s = state();
    expect(
      client(s, { id: 6, method: 'Target.attachToTarget', params: { targetId: 'page-own', flatten: true } }).kind,
    ).toBe('forward');
    expect(
      errorOf(client(s, { id: 7, method: 'Target.attachToTarget', params: { targetId: 'page-other', flatten: true } }))
        ?.message,
    ).toBe('No target with given id found');
    expect(client(s, { id: 8, method: 'Target.closeTarget', params: { targetId: 'page-other' } }).kind).toBe('reply');
    expect(client(s, { id: 9, method: 'Target.attachToTarget', params: { targetId: 'page-own' } }).kind).toBe('reply'); // not flat
  });

  it('refuses commands on sessions it does not own and unknown browser-level methods', () => {
    const s = state();
    expect(
      errorOf(client(s, { id: 10, method: 'Runtime.evaluate', sessionId: 'S-OTHER', params: {} }))?.message,
    ).toMatch(/Session/);
    s.ownSessions.add('S-OWN');
    expect(client(s, { id: 11, method: 'Runtime.evaluate', sessionId: 'S-OWN', params: {} })).toEqual({
      kind: 'forward',
    });
    expect(client(s, { id: 12, method: 'Tracing.start', params: {} }).kind).toBe('reply');
    expect(client(s, { id: 13, method: 'Browser.getVersion' })).toEqual({ kind: 'forward' });
  });

  it('injects the own context into context-scoped browser methods', () => {
    const v = client(state(), { id: 14, method: 'Storage.getCookies', params: {} });
    expect(v.kind === 'forward' && JSON.parse(v.text ?? '{}').params.browserContextId).toBe(OWN);
    expect(client(state(), { id: 15, method: 'Storage.getCookies', params: { browserContextId: OTHER } }).kind).toBe(
      'reply',
    );
  });

  it('lets a BROWSER-isolated client do anything but close or crash the browser', () => {
    const s = state('BROWSER');
    expect(client(s, { id: 1, method: 'Target.createBrowserContext' })).toEqual({ kind: 'forward' });
    expect(client(s, { id: 2, method: 'Browser.close' }).kind).toBe('reply');
  });
});

describe('browser rules (CONTEXT)', () => {
  const info = (targetId: string, ctx: string, type = 'page') => ({
    targetId,
    browserContextId: ctx,
    type,
    url: '',
    title: '',
  });

  it('shows only own targets in discovery events and getTargets answers', () => {
    const s = state();
    expect(
      browser(s, { method: 'Target.targetCreated', params: { targetInfo: info('t1', OWN) } }).forward,
    ).not.toBeNull();
    expect(
      browser(s, { method: 'Target.targetCreated', params: { targetInfo: info('t2', OTHER) } }).forward,
    ).toBeNull();
    expect(browser(s, { method: 'Target.targetDestroyed', params: { targetId: 't2' } }).forward).toBeNull();
    expect(browser(s, { method: 'Target.targetDestroyed', params: { targetId: 't1' } }).forward).not.toBeNull();
    client(s, { id: 20, method: 'Target.getTargets' });
    const v = browser(s, { id: 20, result: { targetInfos: [info('a', OWN), info('b', OTHER)] } });
    expect(JSON.parse(String(v.forward)).result.targetInfos.map((t: { targetId: string }) => t.targetId)).toEqual([
      'a',
    ]);
  });

  it('detaches (and resumes) foreign targets caught by auto-attach, unseen', () => {
    const s = state();
    const v = browser(s, {
      method: 'Target.attachedToTarget',
      params: { sessionId: 'S-F', targetInfo: info('f', OTHER), waitingForDebugger: true },
    });
    expect(v.forward).toBeNull();
    const sent = v.upstream.map(
      (t) => JSON.parse(t) as { id: number; method: string; sessionId?: string; params: { sessionId?: string } },
    );
    expect(sent.map((c) => c.method)).toEqual(['Runtime.runIfWaitingForDebugger', 'Target.detachFromTarget']);
    expect(sent[0]?.sessionId).toBe('S-F');
    expect(sent[1]?.params.sessionId).toBe('S-F');
    expect(sent.every((c) => c.id >= INTERNAL_ID_BASE)).toBe(true);
    expect(browser(s, { id: sent[1]?.id ?? 0, result: {} }).forward).toBeNull();
    expect(browser(s, { method: 'Page.loadEventFired', params: {}, sessionId: 'S-F' }).forward).toBeNull();
  });

  it('passes own sessions on the fast path and learns sessions from attach answers', () => {
    const s = state();
    expect(
      browser(s, {
        method: 'Target.attachedToTarget',
        params: { sessionId: 'S-O', targetInfo: info('o', OWN), waitingForDebugger: false },
      }).forward,
    ).not.toBeNull();
    const frame = Buffer.from('{"id":7,"result":{"result":{"type":"number","value":2}},"sessionId":"S-O"}');
    expect(judgeBrowserFrame(s, frame).forward).toBe(frame);
    client(s, { id: 30, method: 'Target.attachToTarget', params: { targetId: 'page-own', flatten: true } });
    browser(s, { id: 30, result: { sessionId: 'S-NEW' } });
    expect(s.ownSessions.has('S-NEW')).toBe(true);
    expect(browser(s, { method: 'Target.detachedFromTarget', params: { sessionId: 'S-NEW' } }).forward).not.toBeNull();
    expect(s.ownSessions.has('S-NEW')).toBe(false);
  });
});

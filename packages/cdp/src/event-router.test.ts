import { describe, expect, it } from 'vitest';
import { createCdpConnection } from './connection.js';
import { waitForEvent } from './event-router.js';
import { createFakeBrowser, createManualCdpClock, flush } from './testing/fake-browser.js';

describe('event routing', () => {
  it('routes by method and session: any, one session, browser only; session handles see only their own', async () => {
    const browser = createFakeBrowser();
    const conn = createCdpConnection(browser.transport);
    const seen: string[] = [];
    conn.on('Page.loadEventFired', (p, s) => seen.push(`any:${s ?? 'browser'}:${p.timestamp}`));
    conn.on('Page.loadEventFired', (_p, s) => seen.push(`S1-only:${s}`), { sessionId: 'S1' });
    conn.on('Page.loadEventFired', (_p, s) => seen.push(`browser-only:${String(s)}`), { sessionId: null });
    const off = conn.session('S2').on('Page.loadEventFired', (_p, s) => seen.push(`session S2:${s}`));
    browser.emit('Page.loadEventFired', { timestamp: 1 }, 'S1');
    browser.emit('Page.loadEventFired', { timestamp: 2 }, 'S2');
    browser.emit('Page.loadEventFired', { timestamp: 3 });
    browser.emit('Page.domContentEventFired', { timestamp: 4 }, 'S1');
    await flush();
    off();
    browser.emit('Page.loadEventFired', { timestamp: 5 }, 'S2');
    await flush();
    expect(seen).toEqual([
      'any:S1:1',
      'S1-only:S1',
      'any:S2:2',
      'session S2:S2',
      'any:browser:3',
      'browser-only:undefined',
      'any:S2:5',
    ]);
  });

  it('a throwing listener does not stop the others; its error is reported', async () => {
    const browser = createFakeBrowser();
    const errors: string[] = [];
    const conn = createCdpConnection(browser.transport, {
      onListenerError: (error, method) => errors.push(`${method}: ${(error as Error).message}`),
    });
    const seen: number[] = [];
    conn.on('X.happened', () => {
      throw new Error('boom');
    });
    conn.on('X.happened', (p) => seen.push(p['n'] as number));
    browser.emit('X.happened', { n: 7 });
    await flush();
    expect(seen).toEqual([7]);
    expect(errors).toEqual(['X.happened: boom']);
  });

  it('ignores frames that are neither answers nor events', async () => {
    const browser = createFakeBrowser();
    const conn = createCdpConnection(browser.transport);
    const seen: unknown[] = [];
    conn.on('X.ok', (p) => seen.push(p));
    browser.transport.onmessage?.('not json');
    browser.transport.onmessage?.('{"neither":true}');
    browser.transport.onmessage?.('{"method":"X.ok"}');
    expect(seen).toEqual([{}]);
    expect(conn.state).toBe('OPEN');
  });

  it('waitForEvent resolves on the first event passing the predicate, or rejects with TIMEOUT', async () => {
    const browser = createFakeBrowser();
    const clock = createManualCdpClock();
    const conn = createCdpConnection(browser.transport, { clock });
    const load = waitForEvent(conn.session('S1'), 'Page.lifecycleEvent', {
      predicate: (p) => p.name === 'load',
      clock,
    });
    browser.emit('Page.lifecycleEvent', { frameId: 'F', loaderId: 'L', name: 'DOMContentLoaded', timestamp: 1 }, 'S1');
    browser.emit('Page.lifecycleEvent', { frameId: 'F', loaderId: 'L', name: 'load', timestamp: 2 }, 'S2');
    browser.emit('Page.lifecycleEvent', { frameId: 'F', loaderId: 'L', name: 'load', timestamp: 3 }, 'S1');
    expect(await load).toMatchObject({ name: 'load', timestamp: 3 });
    const never = waitForEvent(conn, 'Never.happens', { timeoutMs: 50, clock });
    clock.advance(50);
    await expect(never).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(clock.pendingTimers()).toBe(0);
  });
});

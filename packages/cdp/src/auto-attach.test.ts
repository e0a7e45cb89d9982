import { describe, expect, it } from 'vitest';
import { startAutoAttach, targetMatchesFilter } from './auto-attach.js';
import { createCdpConnection } from './connection.js';
import type { TargetInfo } from './protocol.js';
import { createFakeBrowser, createManualCdpClock, flush, type FakeBrowser } from './testing/fake-browser.js';

function target(targetId: string, extra: Partial<TargetInfo> = {}): TargetInfo {
  return { targetId, type: 'page', title: '', url: 'about:blank', attached: true, ...extra };
}

function attachEvent(
  browser: FakeBrowser,
  info: TargetInfo,
  sessionId: string,
  waiting: boolean,
  parent?: string,
): void {
  browser.emit('Target.attachedToTarget', { sessionId, targetInfo: info, waitingForDebugger: waiting }, parent);
}

/** A fake browser with one page open: browser-level auto-attach reports it before answering, as Chromium does. */
function browserWithExistingPage(): FakeBrowser {
  const browser = createFakeBrowser();
  browser.handle('Target.setAutoAttach', (command, b) => {
    if (command.sessionId === undefined && command.params?.['autoAttach'] === true) {
      attachEvent(b, target('T0'), 'S0', false);
    }
    return undefined;
  });
  return browser;
}

describe('startAutoAttach', () => {
  it('sets up existing, new, nested and popup pages before resuming them, and never enables Runtime', async () => {
    const browser = browserWithExistingPage();
    const conn = createCdpConnection(browser.transport);
    const events: string[] = [];
    const auto = await startAutoAttach(conn, {
      onAttached: async (info, session) => {
        await session.send('Page.enable');
        await session.send('Network.enable');
        events.push(`attached ${info.targetId}`);
      },
      onDetached: (info) => events.push(`detached ${info.targetId}`),
    });
    // resolved only once the page that already existed was set up
    expect(events).toEqual(['attached T0']);
    expect(browser.log()).toEqual([
      'Target.setDiscoverTargets',
      'Target.setAutoAttach',
      'Target.setAutoAttach@S0',
      'Page.enable@S0',
      'Network.enable@S0',
    ]);
    expect(browser.received[0]?.params).toEqual({ discover: true, filter: [{ type: 'page' }] });
    expect(browser.received[1]?.params).toEqual({
      autoAttach: true,
      waitForDebuggerOnStart: true,
      flatten: true,
      filter: [{ type: 'page' }],
    });

    // a page created later, paused: the setup is slow; the page must stay paused until it is done
    browser.handle('Page.enable', (c) => (c.sessionId === 'S1' ? 'never' : undefined));
    browser.received.length = 0;
    attachEvent(browser, target('T1'), 'S1', true);
    await flush();
    expect(browser.log()).toEqual(['Target.setAutoAttach@S1', 'Page.enable@S1']);
    browser.reply(browser.received[1]!.id, { result: {} });
    await flush();
    expect(browser.log()).toEqual([
      'Target.setAutoAttach@S1',
      'Page.enable@S1',
      'Network.enable@S1',
      'Runtime.runIfWaitingForDebugger@S1',
    ]);

    // a popup reported on the opener's session (nested auto-attach), a worker that the filter excludes,
    // and a second session on an already tracked page (a manual attach): only the popup is set up
    browser.received.length = 0;
    attachEvent(browser, target('T2', { openerId: 'T1' }), 'S2', true, 'S1');
    attachEvent(browser, target('W1', { type: 'worker' }), 'SW', true, 'S1');
    attachEvent(browser, target('T1'), 'S1b', false);
    await flush();
    expect(browser.log().filter((m) => m.endsWith('@S2'))).toEqual([
      'Target.setAutoAttach@S2',
      'Page.enable@S2',
      'Network.enable@S2',
      'Runtime.runIfWaitingForDebugger@S2',
    ]);
    expect(browser.log().filter((m) => !m.endsWith('@S2'))).toEqual(['Runtime.runIfWaitingForDebugger@SW']);
    expect(events).toEqual(['attached T0', 'attached T1', 'attached T2']);

    browser.emit('Target.targetInfoChanged', { targetInfo: target('T2', { url: 'http://x/popup' }) });
    browser.emit('Target.detachedFromTarget', { sessionId: 'S1', targetId: 'T1' });
    await flush();
    const now = auto.targets().map((t) => `${t.targetInfo.targetId}@${t.session.sessionId} ${t.targetInfo.url}`);
    expect(now).toEqual(['T0@S0 about:blank', 'T2@S2 http://x/popup']);

    browser.received.length = 0;
    await auto.stop();
    expect(browser.received.map((c) => [c.method, c.params])).toEqual([
      ['Target.setAutoAttach', { autoAttach: false, waitForDebuggerOnStart: false, flatten: true }],
      ['Target.setDiscoverTargets', { discover: false }],
    ]);
    expect(auto.state).toBe('STOPPED');
    expect(auto.targets()).toEqual([]);
    expect(events.slice(3)).toEqual(['detached T1', 'detached T0', 'detached T2']);
    expect(browser.received.concat().some((c) => c.method === 'Runtime.enable')).toBe(false);
  });

  it('resumes a target whose setup throws or hangs past setupTimeoutMs, reporting why', async () => {
    const browser = createFakeBrowser();
    const clock = createManualCdpClock();
    const conn = createCdpConnection(browser.transport, { clock });
    const errors: string[] = [];
    await startAutoAttach(conn, {
      clock,
      setupTimeoutMs: 5_000,
      onAttached: (info) => {
        if (info.targetId === 'BAD') throw new Error('setup exploded');
        return new Promise(() => undefined); // never settles
      },
      onError: (error, info) => errors.push(`${info.targetId} ${error.code} ${error.message}`),
    });
    attachEvent(browser, target('BAD'), 'SB', true);
    attachEvent(browser, target('HANG'), 'SH', true);
    await flush();
    expect(browser.log()).toContain('Runtime.runIfWaitingForDebugger@SB');
    expect(browser.log()).not.toContain('Runtime.runIfWaitingForDebugger@SH');
    clock.advance(5_000);
    await flush();
    expect(browser.log()).toContain('Runtime.runIfWaitingForDebugger@SH');
    expect(errors).toEqual([
      'BAD INTERNAL setup exploded',
      'HANG TIMEOUT setup of HANG took over 5000 ms; resuming it anyway',
    ]);
  });

  it('pipelined: resumes a new page right behind the commands its setup sent, without waiting for their answers', async () => {
    const browser = createFakeBrowser();
    browser.handle('Page.enable', () => 'never'); // the answers never come: the page must not wait for them
    browser.handle('Network.enable', () => 'never');
    const clock = createManualCdpClock();
    const conn = createCdpConnection(browser.transport, { clock });
    const errors: string[] = [];
    const calls: string[] = [];
    await startAutoAttach(conn, {
      clock,
      resume: 'pipelined',
      setupTimeoutMs: 5_000,
      onAttached: async (info, session) => {
        calls.push(info.targetId);
        await Promise.all([session.send('Page.enable'), session.send('Network.enable')]);
        calls.push(`${info.targetId} set up`); // never reached: the answers never come
      },
      onError: (error, info) => errors.push(`${info.targetId} ${error.code} ${error.message}`),
    });
    attachEvent(browser, target('T1'), 'S1', true);
    await flush();
    expect(calls).toEqual(['T1']);
    expect(browser.log()).toEqual([
      'Target.setDiscoverTargets',
      'Target.setAutoAttach',
      'Target.setAutoAttach@S1',
      'Page.enable@S1',
      'Network.enable@S1',
      'Runtime.runIfWaitingForDebugger@S1',
    ]);
    // a setup that throws synchronously is reported, and the page is resumed all the same
    const other = createFakeBrowser();
    await startAutoAttach(createCdpConnection(other.transport), {
      resume: 'pipelined',
      onAttached: () => {
        throw new Error('setup exploded');
      },
      onError: (error, info) => errors.push(`${info.targetId} ${error.code} ${error.message}`),
    });
    attachEvent(other, target('T2'), 'S2', true);
    await flush();
    expect(other.log()).toContain('Runtime.runIfWaitingForDebugger@S2');
    clock.advance(5_000);
    await flush();
    expect(errors).toEqual([
      'T2 INTERNAL setup exploded',
      'T1 TIMEOUT setup of T1 took over 5000 ms; it was resumed already',
    ]);
    expect(browser.received.some((c) => c.method === 'Runtime.enable')).toBe(false);
  });

  it('does not report a target that closed during its setup', async () => {
    const browser = createFakeBrowser();
    browser.handle('Page.enable', () => ({ error: { code: -32001, message: 'Session with given id not found.' } }));
    const conn = createCdpConnection(browser.transport);
    const errors: string[] = [];
    await startAutoAttach(conn, {
      onAttached: async (_info, session) => {
        await session.send('Page.enable');
      },
      onError: (error) => errors.push(error.message),
    });
    attachEvent(browser, target('GONE'), 'SG', true);
    await flush();
    expect(browser.log()).toContain('Runtime.runIfWaitingForDebugger@SG');
    expect(errors).toEqual([]);
  });

  it('reports every target detached when the connection closes', async () => {
    const browser = browserWithExistingPage();
    const conn = createCdpConnection(browser.transport);
    const detached: string[] = [];
    const auto = await startAutoAttach(conn, {
      onAttached: () => undefined,
      onDetached: (i) => detached.push(i.targetId),
    });
    browser.close();
    await flush();
    expect(detached).toEqual(['T0']);
    await auto.stop(); // nothing left to stop, and no error
    expect(auto.state).toBe('STOPPED');
  });

  it('reads target filters as Chromium does: first matching entry decides, none means excluded', () => {
    expect(targetMatchesFilter(target('a'), [{ type: 'page' }])).toBe(true);
    expect(targetMatchesFilter(target('a', { type: 'browser_ui' }), [{ type: 'page' }])).toBe(false);
    expect(targetMatchesFilter(target('a', { type: 'iframe' }), [{ type: 'page', exclude: true }, {}])).toBe(true);
    expect(targetMatchesFilter(target('a'), [{ type: 'page', exclude: true }, {}])).toBe(false);
    expect(targetMatchesFilter(target('a', { type: 'tab' }), [])).toBe(false);
    expect(targetMatchesFilter(target('a', { type: 'worker' }), [])).toBe(true);
  });
});

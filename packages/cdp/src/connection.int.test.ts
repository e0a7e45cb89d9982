import { launchChromium, type ChromiumBrowser } from '@nightglow/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBrowser } from './browser.js';
import type { CdpConnection, CdpSession } from './connection.js';
import { CdpError } from './errors.js';
import { createIsolatedWorld } from './isolated-world.js';

async function rejection(promise: Promise<unknown>): Promise<CdpError> {
  const error: unknown = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CdpError);
  return error as CdpError;
}

/** A fresh blank tab with a flat session on it (its own renderer process). */
async function openTab(conn: CdpConnection): Promise<{ targetId: string; session: CdpSession }> {
  const { targetId } = await conn.send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await conn.send('Target.attachToTarget', { targetId, flatten: true });
  return { targetId, session: conn.session(sessionId) };
}

describe('CDP connection against real Chromium', () => {
  let chromium: ChromiumBrowser;
  let httpEndpoint = '';
  let conn: CdpConnection;

  beforeAll(async () => {
    chromium = await launchChromium();
    httpEndpoint = `http://${new URL(chromium.wsEndpoint).host}`;
    conn = await connectBrowser(httpEndpoint, { commandTimeoutMs: 5_000 });
  });
  afterAll(async () => {
    await conn?.close();
    await chromium?.stop();
  });

  it('resolves an http:// endpoint through /json/version and answers Browser.getVersion', async () => {
    expect(conn.state).toBe('OPEN');
    const version = await conn.send('Browser.getVersion');
    expect(version.product).toMatch(/^(Headless)?Chrome\/\d+\./);
    expect(version.protocolVersion).toBe('1.3');
    const direct = await connectBrowser(chromium.wsEndpoint);
    expect((await direct.send('Browser.getVersion')).product).toBe(version.product);
    await direct.close();
    expect(direct.state).toBe('CLOSED');
  });

  it('fails to connect to a port nobody listens on with CONNECT', async () => {
    const error = await rejection(connectBrowser('http://127.0.0.1:9/', { discoveryTimeoutMs: 2_000 }));
    expect(error).toMatchObject({ code: 'CONNECT', retryable: true });
  });

  it('a command to a target or session that does not exist fails with a PROTOCOL CdpError', async () => {
    const noTarget = await rejection(conn.send('Target.attachToTarget', { targetId: 'NO-SUCH-TARGET', flatten: true }));
    expect(noTarget).toMatchObject({ code: 'PROTOCOL', method: 'Target.attachToTarget', retryable: false });
    expect(noTarget.protocolCode).toBe(-32602);
    expect(noTarget.protocolMessage).toMatch(/no target/i);
    const noSession = await rejection(conn.session('NO-SUCH-SESSION').send('Page.enable'));
    expect(noSession).toMatchObject({ code: 'PROTOCOL', sessionId: 'NO-SUCH-SESSION', protocolCode: -32001 });
  });

  it('times out a looping evaluation (TIMEOUT) while the browser and other tabs keep answering', async () => {
    const frozen = await openTab(conn);
    const healthy = await openTab(conn);
    const frozenWorld = await createIsolatedWorld(frozen.session);
    const healthyWorld = await createIsolatedWorld(healthy.session);
    const started = performance.now();
    const error = await rejection(frozenWorld.evaluate('for (;;) {}', { timeoutMs: 500 }));
    const elapsed = performance.now() - started;
    expect(error).toMatchObject({ code: 'TIMEOUT', method: 'Runtime.evaluate', sessionId: frozen.session.sessionId });
    expect(elapsed).toBeGreaterThanOrEqual(490);
    expect(elapsed).toBeLessThan(3_000);
    // the connection is not stalled: other sessions and the browser target answer while the tab still spins
    expect(await healthyWorld.evaluate('6 * 7')).toBe(42);
    expect((await conn.send('Browser.getVersion')).protocolVersion).toBe('1.3');
    expect(await rejection(frozen.session.send('Page.getFrameTree', {}, { timeoutMs: 300 }))).toMatchObject({
      code: 'TIMEOUT',
    });
    // Runtime.terminateExecution interrupts the loop (without Runtime.enable); the tab recovers
    await frozen.session.send('Runtime.terminateExecution');
    expect(await frozenWorld.evaluate('2 + 2')).toBe(4);
    await conn.send('Target.closeTarget', { targetId: frozen.targetId });
    await conn.send('Target.closeTarget', { targetId: healthy.targetId });
  });

  it('an exception in the page rejects with EVALUATION and its message', async () => {
    const tab = await openTab(conn);
    const world = await createIsolatedWorld(tab.session);
    const error = await rejection(world.evaluate('throw new TypeError("nope")'));
    expect(error.code).toBe('EVALUATION');
    expect(error.message).toContain('TypeError: nope');
    await conn.send('Target.closeTarget', { targetId: tab.targetId });
  });

  it('closing the connection rejects pending calls with CLOSED; the browser is unaffected', async () => {
    const second = await connectBrowser(chromium.wsEndpoint);
    const tab = await openTab(second);
    const world = await createIsolatedWorld(tab.session);
    const hanging = world.evaluate('new Promise(() => {})', { timeoutMs: 30_000 });
    const browserCall = second.send(
      'Runtime.evaluate',
      { expression: 'new Promise(() => {})', awaitPromise: true },
      {
        sessionId: tab.session.sessionId,
      },
    );
    const outcomes = [rejection(hanging), rejection(browserCall)];
    await new Promise((resolve) => setTimeout(resolve, 100));
    await second.close();
    expect(second.state).toBe('CLOSED');
    for (const outcome of outcomes) expect(await outcome).toMatchObject({ code: 'CLOSED' });
    expect(await rejection(second.send('Browser.getVersion'))).toMatchObject({ code: 'CLOSED' });
    expect((await conn.send('Browser.getVersion')).protocolVersion).toBe('1.3');
    await conn.send('Target.closeTarget', { targetId: tab.targetId });
  });
});

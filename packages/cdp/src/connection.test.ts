import { describe, expect, it } from 'vitest';
import { createCdpConnection, type CdpConnection } from './connection.js';
import { CdpError } from './errors.js';
import { createFakeBrowser, createManualCdpClock, flush, type FakeBrowser } from './testing/fake-browser.js';

function setup(commandTimeoutMs = 1_000): {
  browser: FakeBrowser;
  conn: CdpConnection;
  clock: ReturnType<typeof createManualCdpClock>;
} {
  const browser = createFakeBrowser();
  const clock = createManualCdpClock();
  const conn = createCdpConnection(browser.transport, { commandTimeoutMs, clock });
  return { browser, conn, clock };
}

async function rejection(promise: Promise<unknown>): Promise<CdpError> {
  const error: unknown = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CdpError);
  return error as CdpError;
}

describe('createCdpConnection: commands', () => {
  it('numbers commands from 1, tags flat sessions, and matches answers that arrive out of order', async () => {
    const { browser, conn } = setup();
    browser.handle('A.one', () => 'never');
    browser.handle('B.two', () => 'never');
    const one = conn.send('A.one', { x: 1 });
    const two = conn.send('B.two', undefined, { sessionId: 'S1' });
    await flush();
    expect(browser.received).toEqual([
      { id: 1, method: 'A.one', params: { x: 1 } },
      { id: 2, method: 'B.two', params: {}, sessionId: 'S1' },
    ]);
    browser.reply(2, { result: { answer: 'two' } });
    browser.reply(1, { result: { answer: 'one' } });
    expect(await two).toEqual({ answer: 'two' });
    expect(await one).toEqual({ answer: 'one' });
  });

  it('turns a browser error into a PROTOCOL CdpError with the code and message', async () => {
    const { browser, conn } = setup();
    browser.handle('Page.navigate', () => ({ error: { code: -32001, message: 'Session with given id not found.' } }));
    const error = await rejection(conn.send('Page.navigate', { url: 'about:blank' }, { sessionId: 'NOPE' }));
    expect(error).toMatchObject({
      code: 'PROTOCOL',
      method: 'Page.navigate',
      sessionId: 'NOPE',
      protocolCode: -32001,
      protocolMessage: 'Session with given id not found.',
      retryable: false,
    });
  });

  it('times out every command (default and per call), drops the late answer, and stays usable', async () => {
    const { browser, conn, clock } = setup(1_000);
    browser.handle('Slow.call', () => 'never');
    const byDefault = conn.send('Slow.call');
    const short = conn.send('Slow.call', {}, { timeoutMs: 200, sessionId: 'S' });
    await flush();
    clock.advance(200);
    expect(await rejection(short)).toMatchObject({ code: 'TIMEOUT', sessionId: 'S', retryable: true });
    clock.advance(799);
    await flush();
    let settled = false;
    void byDefault.catch(() => (settled = true));
    await flush();
    expect(settled).toBe(false);
    clock.advance(1);
    expect(await rejection(byDefault)).toMatchObject({ code: 'TIMEOUT', method: 'Slow.call' });
    browser.reply(1, { result: { late: true } }); // dropped without a trace
    expect(await conn.send('Fast.call')).toEqual({});
    expect(clock.pendingTimers()).toBe(0);
  });

  it('refuses a timeout that is not a positive number', async () => {
    const { conn } = setup();
    expect(await rejection(conn.send('X.y', {}, { timeoutMs: 0 }))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(() => createCdpConnection(createFakeBrowser().transport, { commandTimeoutMs: Infinity })).toThrow(CdpError);
  });

  it('rejects the commands of a session that detaches with TARGET_CLOSED, others unaffected', async () => {
    const { browser, conn } = setup();
    browser.handle('Runtime.evaluate', () => 'never');
    const onS1 = conn.send('Runtime.evaluate', { expression: '1' }, { sessionId: 'S1' });
    const onS2 = conn.send('Runtime.evaluate', { expression: '2' }, { sessionId: 'S2' });
    await flush();
    browser.emit('Target.detachedFromTarget', { sessionId: 'S1', targetId: 'T1' });
    expect(await rejection(onS1)).toMatchObject({ code: 'TARGET_CLOSED', sessionId: 'S1' });
    browser.reply(2, { result: { result: { type: 'number', value: 2 } } });
    expect(await onS2).toMatchObject({ result: { value: 2 } });
  });
});

describe('createCdpConnection: events', () => {
  it('drops events nobody listens to unparsed, and delivers them once someone does', async () => {
    const { browser, conn } = setup();
    const seen: unknown[] = [];
    browser.emit('Network.dataReceived', { requestId: 'R1', dataLength: 10 }, 'S1'); // no listener: dropped
    await flush();
    browser.transport.onmessage?.('{"method":"Network.dataReceived","params":{'); // not even JSON: never parsed
    const off = conn.on('Network.dataReceived', (params, sessionId) => seen.push([params, sessionId]));
    browser.emit('Network.dataReceived', { requestId: 'R2', dataLength: 20 }, 'S1');
    await flush();
    // an escaped method name is left to the full parse, which unescapes it
    browser.transport.onmessage?.('{"method":"Network.data\\u0052eceived","params":{"requestId":"R3"}}');
    await flush();
    expect(seen).toEqual([
      [{ requestId: 'R2', dataLength: 20 }, 'S1'],
      [{ requestId: 'R3' }, undefined],
    ]);
    off();
    browser.emit('Network.dataReceived', { requestId: 'R4', dataLength: 40 }, 'S1');
    await flush();
    expect(seen).toHaveLength(2);
  });
});

describe('createCdpConnection: close', () => {
  it('close() rejects every pending command with CLOSED, later sends too, and tells onClose once', async () => {
    const { browser, conn } = setup();
    browser.handle('Hang.forever', () => 'never');
    const pending = [conn.send('Hang.forever'), conn.send('Hang.forever', {}, { sessionId: 'S' })];
    const reasons: string[] = [];
    conn.onClose((reason) => reasons.push(reason.code));
    await flush();
    await conn.close();
    expect(conn.state).toBe('CLOSED');
    for (const p of pending) expect(await rejection(p)).toMatchObject({ code: 'CLOSED', retryable: true });
    expect(await rejection(conn.send('After.close'))).toMatchObject({ code: 'CLOSED' });
    await conn.close(); // idempotent
    expect(reasons).toEqual(['CLOSED']);
  });

  it('a browser-side close rejects pending commands with CLOSED', async () => {
    const { browser, conn } = setup();
    browser.handle('Hang.forever', () => 'never');
    const pending = conn.send('Hang.forever');
    await flush();
    browser.close();
    const error = await rejection(pending);
    expect(error.code).toBe('CLOSED');
    expect(error.message).toContain('closed by the browser');
    expect(conn.state).toBe('CLOSED');
  });
});

import { describe, expect, it } from 'vitest';
import { CdpError, isCdpError } from './errors.js';
import { parseCdpMessage } from './messages.js';
import { flush } from './testing/fake-browser.js';
import { createMemoryTransportPair } from './transport.js';

describe('createMemoryTransportPair', () => {
  it('delivers in order, asynchronously, both ways', async () => {
    const { client, server } = createMemoryTransportPair();
    const atServer: string[] = [];
    const atClient: string[] = [];
    server.onmessage = (m) => atServer.push(m);
    client.onmessage = (m) => atClient.push(m);
    client.send('a');
    client.send('b');
    server.send('c');
    expect(atServer).toEqual([]); // not re-entrant
    await flush();
    expect(atServer).toEqual(['a', 'b']);
    expect(atClient).toEqual(['c']);
  });

  it('closing one end closes both, fires each onclose once, and refuses later sends', async () => {
    const { client, server } = createMemoryTransportPair();
    const closes: string[] = [];
    client.onclose = () => closes.push('client');
    server.onclose = () => closes.push('server');
    server.close();
    client.close();
    await flush();
    expect(closes.sort()).toEqual(['client', 'server']);
    expect(() => client.send('x')).toThrow(/closed/);
  });
});

describe('parseCdpMessage', () => {
  it('tells answers, errors and events apart and keeps the session', () => {
    expect(parseCdpMessage('{"id":3,"result":{"a":1},"sessionId":"S"}')).toEqual({
      kind: 'response',
      id: 3,
      result: { a: 1 },
      sessionId: 'S',
    });
    expect(parseCdpMessage('{"id":4,"error":{"code":-32602,"message":"bad","data":"d"}}')).toEqual({
      kind: 'response',
      id: 4,
      error: { code: -32602, message: 'bad', data: 'd' },
    });
    expect(parseCdpMessage('{"method":"A.b","params":{"x":1}}')).toEqual({
      kind: 'event',
      method: 'A.b',
      params: { x: 1 },
    });
    expect(parseCdpMessage('[1,2]')).toBeUndefined();
    expect(parseCdpMessage('{')).toBeUndefined();
  });
});

describe('CdpError', () => {
  it('normalizes anything thrown and derives retryable from the code', () => {
    const plain = CdpError.from(new Error('x'));
    expect(plain).toMatchObject({ code: 'INTERNAL', message: 'x', retryable: false });
    expect(plain.cause).toBeInstanceOf(Error);
    const timeout = new CdpError({ code: 'TIMEOUT', message: 't' });
    expect(CdpError.from(timeout)).toBe(timeout);
    expect(timeout.retryable).toBe(true);
    expect(isCdpError(timeout, 'TIMEOUT')).toBe(true);
    expect(isCdpError(timeout, 'CLOSED')).toBe(false);
    expect(CdpError.from('str')).toMatchObject({ code: 'INTERNAL', message: 'str' });
  });
});

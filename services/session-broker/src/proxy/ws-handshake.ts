/**
 * The two WebSocket opening handshakes of the CDP proxy, done by hand so the
 * relay keeps the bare sockets: accepting the client's upgrade (no extensions,
 * the first offered subprotocol, like `ws`), and opening the upstream
 * connection (to the browser or to the owning replica) with extra headers.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { acceptKey } from './ws-frames.js';

/** An open upstream WebSocket: the socket and any bytes that arrived with the 101. */
export type UpstreamSocket = { readonly socket: Socket; readonly head: Buffer };

/** Why an upstream handshake failed: the HTTP status it answered, or a network error. */
export type UpstreamRefusal =
  { readonly kind: 'status'; readonly status: number } | { readonly kind: 'error'; readonly error: Error };

/** Completes a client's upgrade on `socket`; false (and a 400 answer) when the request is not a valid one. */
export function acceptClient(req: IncomingMessage, socket: Duplex): boolean {
  const key = req.headers['sec-websocket-key'];
  const valid =
    req.method === 'GET' &&
    req.headers.upgrade?.toLowerCase() === 'websocket' &&
    req.headers['sec-websocket-version'] === '13' &&
    typeof key === 'string' &&
    /^[+/0-9A-Za-z]{22}==$/.test(key);
  if (!valid) {
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return false;
  }
  const protocol = req.headers['sec-websocket-protocol']?.split(',')[0]?.trim();
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n` +
      (protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : '') +
      '\r\n',
  );
  return true;
}

/** Options of {@link openUpstream}. */
export type UpstreamOptions = {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
};

/** Opens a WebSocket to `url` (ws/wss); resolves the socket, or rejects with an {@link UpstreamRefusal}. */
export function openUpstream(o: UpstreamOptions): { done: Promise<UpstreamSocket>; abort: () => void } {
  const url = new URL(o.url);
  const key = randomBytes(16).toString('base64');
  const request = url.protocol === 'wss:' ? httpsRequest : httpRequest;
  const req = request({
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port || (url.protocol === 'wss:' ? 443 : 80),
    path: `${url.pathname}${url.search}`,
    headers: {
      ...o.headers,
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': key,
    },
    timeout: o.timeoutMs,
  });
  const done = new Promise<UpstreamSocket>((resolve, reject) => {
    const fail = (r: UpstreamRefusal): void => reject(r);
    req.once('upgrade', (res, socket: Socket, head: Buffer) => {
      if (res.headers['sec-websocket-accept'] !== acceptKey(key)) {
        socket.destroy();
        return fail({ kind: 'error', error: new Error('upstream answered a bad Sec-WebSocket-Accept') });
      }
      socket.setNoDelay(true);
      socket.setTimeout(0);
      resolve({ socket, head });
    });
    req.once('response', (res) => {
      res.resume();
      fail({ kind: 'status', status: res.statusCode ?? 502 });
    });
    req.once('timeout', () => req.destroy(new Error(`upstream handshake timed out after ${o.timeoutMs} ms`)));
    req.once('error', (error) => fail({ kind: 'error', error }));
  });
  req.end();
  return { done, abort: () => req.destroy(new Error('client went away')) };
}

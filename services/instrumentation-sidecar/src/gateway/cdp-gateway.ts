/**
 * The CDP gateway: the browser's DevTools endpoint (loopback only in
 * new-headless Chromium) exposed on the pod network for the broker, behind a
 * shared secret. `GET /json/version` and `/json/list` are proxied with every
 * `webSocketDebuggerUrl` rewritten to point at the gateway; WebSocket upgrades
 * under `/devtools/` are piped byte for byte to the browser (the credential,
 * Origin and Host are not forwarded). Unauthenticated requests get 401.
 *
 * Lifecycle: `start()` listens → `stop()` closes the listener and every piped socket.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createSecretCheck, forwardHeaders, presentedSecret, withoutToken } from './gateway-auth.js';

/** Inputs of {@link createCdpGateway}. */
export type CdpGatewayOptions = {
  /** The browser's endpoint (`http://127.0.0.1:9222` or its `ws://` URL); only host and port are used. */
  readonly upstream: string;
  readonly secret: string;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly onError?: (error: unknown, what: string) => void;
};

/** A gateway. */
export type CdpGateway = { start(): Promise<number>; stop(): Promise<void>; connections(): number };

const JSON_PATHS = new Set(['/json/version', '/json', '/json/list']);

function rewrite(body: unknown, upstreamHost: string, publicHost: string, token: string | undefined): unknown {
  const fix = (o: Record<string, unknown>): Record<string, unknown> => {
    const url = o['webSocketDebuggerUrl'];
    if (typeof url !== 'string') return o;
    const u = new URL(url);
    if (u.host === upstreamHost) u.host = publicHost;
    if (token !== undefined) u.searchParams.set('token', token);
    return { ...o, webSocketDebuggerUrl: u.toString() };
  };
  if (Array.isArray(body)) return body.map((o) => fix(o as Record<string, unknown>));
  return typeof body === 'object' && body !== null ? fix(body as Record<string, unknown>) : body;
}

/** Creates (does not start) a gateway. */
export function createCdpGateway(opts: CdpGatewayOptions): CdpGateway {
  const check = createSecretCheck(opts.secret);
  const up = new URL(opts.upstream);
  const upstreamHost = up.host;
  const sockets = new Set<Duplex | Socket>();
  const track = (s: Duplex | Socket): void => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const secret = presentedSecret(req.headers, url);
    if (!check(secret)) return void res.writeHead(401, { 'content-type': 'text/plain' }).end('unauthorized');
    if (req.method !== 'GET' || !JSON_PATHS.has(url.pathname)) return void res.writeHead(404).end('not found');
    try {
      const answer = await fetch(`http://${upstreamHost}${url.pathname}`, { signal: AbortSignal.timeout(5000) });
      const body = rewrite(
        await answer.json(),
        upstreamHost,
        req.headers.host ?? upstreamHost,
        url.searchParams.get('token') ?? undefined,
      );
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    } catch (error) {
      opts.onError?.(error, 'proxying /json');
      res.writeHead(502, { 'content-type': 'text/plain' }).end('browser unreachable');
    }
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    track(socket);
    const url = new URL(req.url ?? '/', 'http://gateway');
    if (!check(presentedSecret(req.headers, url)))
      return void socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
    if (!url.pathname.startsWith('/devtools/'))
      return void socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    const browser = connect({ host: up.hostname, port: Number(up.port || 80) });
    track(browser);
    browser.once('connect', () => {
      const lines = [`GET ${withoutToken(url)} HTTP/1.1`, ...forwardHeaders(req.headers, upstreamHost)];
      browser.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) browser.write(head);
      browser.pipe(socket).pipe(browser);
    });
    const closeBoth = (): void => {
      browser.destroy();
      socket.destroy();
    };
    browser.once('error', (error) => {
      opts.onError?.(error, 'connecting to the browser');
      socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
    });
    socket.once('error', closeBoth);
    socket.once('close', closeBoth);
    browser.once('close', closeBoth);
  };

  const server = createServer((req, res) => void onRequest(req, res));
  server.on('upgrade', onUpgrade);
  return {
    start: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(opts.port, opts.host, () => resolve((server.address() as AddressInfo).port));
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.closeAllConnections();
        if (!server.listening) return resolve();
        server.close(() => resolve());
      }),
    connections: () => sockets.size,
  };
}

/**
 * Test support: a stand-in for the sidecar's CDP gateway in front of a real
 * Chromium: it refuses requests without the shared secret
 * (`x-nightglow-cdp-secret`), answers `/json/version` with the WebSocket URL
 * pointed at itself, and pipes WebSocket upgrades to the browser.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';

/** A running gateway. */
export type FakeGateway = { readonly port: number; readonly refused: () => number; close(): Promise<void> };

/** Starts a gateway on 127.0.0.1 in front of the browser at `wsEndpoint`. */
export async function startFakeGateway(wsEndpoint: string, secret: string): Promise<FakeGateway> {
  const browser = new URL(wsEndpoint);
  let refused = 0;
  const sockets = new Set<{ destroy(): void }>();
  const allowed = (req: IncomingMessage): boolean => {
    const ok = req.headers['x-nightglow-cdp-secret'] === secret;
    if (!ok) refused++;
    return ok;
  };
  const server = createServer((req, res) => {
    if (!allowed(req)) return void res.writeHead(401).end('unauthorized');
    if (req.url !== '/json/version') return void res.writeHead(404).end();
    const own = `ws://127.0.0.1:${port}${browser.pathname}`;
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ Browser: 'Chrome/test', 'Protocol-Version': '1.3', webSocketDebuggerUrl: own }));
  });
  server.on('upgrade', (req, socket, head) => {
    if (!allowed(req)) return void socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
    const upstream = connect(Number(browser.port), browser.hostname, () => {
      const lines = [`GET ${req.url ?? '/'} HTTP/1.1`, `Host: ${browser.host}`];
      for (const [k, v] of Object.entries(req.headers)) {
        if (k === 'host' || k === 'x-nightglow-cdp-secret' || v === undefined) continue;
        lines.push(`${k}: ${Array.isArray(v) ? v.join(', ') : v}`);
      }
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    sockets.add(socket);
    sockets.add(upstream);
    const end = (): void => {
      upstream.destroy();
      socket.destroy();
    };
    upstream.on('error', end);
    socket.on('error', end);
    upstream.on('close', end);
    socket.on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    refused: () => refused,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Test support (not part of the package surface): fixture pages on a loopback
 * HTTP server, polling, and the "no Chromium left" check by profile marker.
 */
import { createServer } from 'node:http';
import { listProcesses } from '../browsers/local/process-table.js';
import { eventually as poll } from '@nightglow/runtime/testing';

const PAGES: Readonly<Record<string, string>> = {
  '/': '<!doctype html><title>fixture</title><p>fixture page</p>',
  '/one': '<!doctype html><title>one</title><p>one</p>',
  '/two': '<!doctype html><title>two</title><p>two</p>',
  '/slow': '<!doctype html><title>slow</title><p>slow</p>',
  '/ticker':
    '<!doctype html><title>ticker</title><body style="margin:0"><div id="t" style="font:48px sans-serif">0</div>' +
    '<script>let n=0;setInterval(()=>{n++;document.getElementById("t").textContent=String(n);' +
    'document.body.style.background=n%2?"#fff":"#0af";},100);</script></body>',
};

/** A running fixture server. */
export type FixtureServer = { readonly origin: string; close(): Promise<void> };

/** Serves the fixture pages on 127.0.0.1:<free port>; `/slow` answers after 300 ms. */
export async function startFixtureServer(): Promise<FixtureServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const page = PAGES[path];
    if (page === undefined) return void res.writeHead(404).end('not found');
    const send = (): void =>
      void res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' }).end(page);
    if (path === '/slow') setTimeout(send, 300);
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls `probe` until it returns something other than undefined; throws naming `what` after `timeoutMs`. */
export function eventually<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  return poll(what, probe, { timeoutMs, intervalMs: 25 });
}

/** Live (non-zombie) Chromium processes whose command line names `dataDir` (the broker's LOCAL_DATA_DIR). */
export function chromiumUnder(dataDir: string): number[] {
  return listProcesses()
    .filter((p) => p.cmdline.includes(`--user-data-dir=${dataDir}`) && p.pid !== process.pid)
    .map((p) => p.pid);
}

/** Waits (up to 5 s, for the kernel to finish the kills) until no Chromium under `dataDir` is left; throws otherwise. */
export async function expectNoChromiumUnder(dataDir: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (chromiumUnder(dataDir).length > 0) {
    if (Date.now() > deadline)
      throw new Error(`Chromium left behind under ${dataDir}: ${chromiumUnder(dataDir).join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Fixture pages with known properties, served on 127.0.0.1 for the
 * integration tests and the benchmark. Not part of the service's surface.
 *
 * | path | known property |
 * |---|---|
 * | `/ttfb?delay=N` | the document's headers are sent after N ms (TTFB ≥ N) |
 * | `/resources` | document + 4 stylesheets of exactly `ASSET_BYTES` bytes each: 5 requests |
 * | `/lcp` | the largest element (a 600×300 block) is inserted after `LCP_DELAY_MS` |
 * | `/shift` | a 150 px block is inserted above a 300 px one after 300 ms (CLS > 0) |
 * | `/probe` | bot-detection probes; the verdict is in `document.title` |
 */
import { createServer } from 'node:http';
import { PROBE_PAGE } from './probe-page.js';

/** Body size of each `/asset/N.css`. */
export const ASSET_BYTES = 20_000;
/** When `/lcp` inserts its largest element, ms after the script runs. */
export const LCP_DELAY_MS = 400;

const ICON = '<link rel="icon" href="data:,">';
const page = (title: string, body: string): string =>
  `<!doctype html><html><head><meta charset="utf-8">${ICON}<title>${title}</title></head><body>${body}</body></html>`;

/** The fixture documents by path (without query). */
export const FIXTURE_PAGES: Readonly<Record<string, string>> = {
  '/ttfb': page('ttfb', '<p>slow first byte</p>'),
  '/resources': page(
    'resources',
    [1, 2, 3, 4].map((i) => `<link rel="stylesheet" href="/asset/${i}.css">`).join('') + '<p>four stylesheets</p>',
  ),
  '/lcp': page(
    'lcp',
    `<p>small</p><script>setTimeout(function () { var d = document.createElement('div'); d.id = 'hero';
d.style.cssText = 'width:600px;height:300px;background:#234;color:#fff;font-size:48px'; d.textContent = 'The largest contentful paint';
document.body.appendChild(d); }, ${LCP_DELAY_MS});</script>`,
  ),
  '/shift': page(
    'shift',
    `<div id="content" style="width:100%;height:300px;background:#ccc">content</div><script>setTimeout(function () {
var b = document.createElement('div'); b.style.cssText = 'width:100%;height:150px;background:#c33'; b.textContent = 'banner';
document.body.insertBefore(b, document.getElementById('content')); }, 300);</script>`,
  ),
  '/probe': PROBE_PAGE,
  '/blank': page('blank', '<p>blank</p>'),
};

/** A running fixture site. */
export type FixtureSite = {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Size in bytes of the document served at `path`. */
  sizeOf(path: string): number;
  close(): Promise<void>;
};

/** Serves {@link FIXTURE_PAGES} and `/asset/N.css` on a free loopback port; unknown paths answer 404. */
export async function startFixtureSite(): Promise<FixtureSite> {
  const asset = `/*${'x'.repeat(ASSET_BYTES - 4)}*/`;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fixture');
    const headers = { 'cache-control': 'no-store', connection: 'keep-alive' };
    if (url.pathname.startsWith('/asset/')) {
      res.writeHead(200, { ...headers, 'content-type': 'text/css', 'content-length': String(ASSET_BYTES) }).end(asset);
      return;
    }
    const body = FIXTURE_PAGES[url.pathname];
    if (body === undefined) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    const delay = Number(url.searchParams.get('delay') ?? 0);
    setTimeout(() => {
      res
        .writeHead(200, {
          ...headers,
          'content-type': 'text/html; charset=utf-8',
          'content-length': String(Buffer.byteLength(body)),
        })
        .end(body);
    }, delay);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    sizeOf: (path) => Buffer.byteLength(FIXTURE_PAGES[path] ?? ''),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Fixture pages for the integration tests, served on 127.0.0.1 from a plain Node
 * HTTP server, plus a polling helper. Not part of the package's surface.
 */
import { createServer } from 'node:http';

/**
 * The CDP-detection probe bot checks use: an accessor spy on
 * `Error.prepareStackTrace` and a `console.debug(new Error())` every 50 ms. When
 * a DevTools client has `Runtime.enable`d the page, the inspector serializes the
 * logged error, V8 formats its stack and reads `Error.prepareStackTrace`: the spy
 * fires. The verdict goes into `document.title` (`probe:clean:<ticks>` or
 * `probe:fired:<what>:<ticks>`) and `#verdict`.
 */
const PROBE_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>probe:pending</title></head>
<body><p id="verdict">pending</p><script>
(function () {
  var fired = [];
  function mark(what) { if (fired.indexOf(what) < 0) fired.push(what); }
  var real = Error.prepareStackTrace;
  Object.defineProperty(Error, 'prepareStackTrace', {
    configurable: true,
    get: function () { mark('pst-get'); return real; },
    set: function (v) { mark('pst-set'); real = v; },
  });
  var ticks = 0;
  function tick() {
    ticks++;
    console.debug(new Error('probe'));
    var verdict = fired.length ? 'fired:' + fired.join(',') : 'clean';
    document.title = 'probe:' + verdict + ':' + ticks;
    document.getElementById('verdict').textContent = verdict;
  }
  tick();
  setInterval(tick, 50);
})();
</script></body></html>`;

const PAGES: Readonly<Record<string, string>> = {
  '/page': '<!doctype html><title>page one</title><p>one</p>',
  '/page-two': '<!doctype html><title>page two</title><p>two</p>',
  '/opener':
    '<!doctype html><title>opener</title>' +
    '<button id="open" onclick="window.open(\'/popup\', \'_blank\')">open</button>',
  '/popup': '<!doctype html><title>popup</title><p>popup</p>',
  '/probe': PROBE_PAGE,
};

/** A running fixture server. */
export type FixtureServer = {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Paths requested so far, in order (query included). */
  readonly requests: string[];
  close(): Promise<void>;
};

/** Serves {@link PAGES} on a free loopback port; unknown paths answer 404. */
export async function startFixtureServer(): Promise<FixtureServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    requests.push(url);
    const page = PAGES[url.split('?')[0] ?? ''];
    if (page === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls `probe` every `intervalMs` until it returns a value other than `undefined`; throws `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  { timeoutMs = 10_000, intervalMs = 25 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

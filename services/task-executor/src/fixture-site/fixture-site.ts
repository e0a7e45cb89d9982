/**
 * The demo/fixture site as a reusable module: `startFixtureSite()` serves the
 * news list, the login form (user `demo`, password `glowworm-7`) with its
 * dashboard, the multi-field request form with its confirmation, and the
 * action playground on 127.0.0.1 (a free port unless one is given). The
 * samples, the integration tests, the benchmark and the all-in-one demo use it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { confirmationPage, dashboardPage, formPage, loginPage, newsPage, playgroundPage } from './pages.js';

/** The demo credentials the login page accepts. */
export const DEMO_USER = { username: 'demo', password: 'glowworm-7' } as const;

/** The port the samples are written against; tests rebase `http://127.0.0.1:8088` onto the site they start. */
export const DEMO_SITE_DEFAULT_URL = 'http://127.0.0.1:8088';

/** A running fixture site. */
export type FixtureSite = {
  /** e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  /** Every request path served so far, in order (for assertions). */
  readonly requests: string[];
  stop(): Promise<void>;
};

async function body(req: IncomingMessage): Promise<Record<string, string>> {
  let raw = '';
  for await (const chunk of req) raw += String(chunk);
  return Object.fromEntries(new URLSearchParams(raw));
}

function send(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(html);
}

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fixture');
  const user = /(?:^|;\s*)session=([a-z]+)/.exec(req.headers.cookie ?? '')?.[1];
  const key = `${req.method ?? 'GET'} ${url.pathname}`;
  switch (key) {
    case 'GET /':
    case 'GET /news':
      return send(res, 200, newsPage());
    case 'GET /login':
      return send(res, 200, loginPage(url.searchParams.has('error')));
    case 'POST /login': {
      const f = await body(req);
      const ok = f['username'] === DEMO_USER.username && f['password'] === DEMO_USER.password;
      const headers: Record<string, string> = ok
        ? { location: '/dashboard', 'set-cookie': `session=${DEMO_USER.username}; Path=/; HttpOnly` }
        : { location: '/login?error=1' };
      return send(res, 303, '', headers);
    }
    case 'GET /dashboard':
      return user ? send(res, 200, dashboardPage(user)) : send(res, 303, '', { location: '/login' });
    case 'GET /logout':
      return send(res, 303, '', { location: '/login', 'set-cookie': 'session=; Path=/; Max-Age=0' });
    case 'GET /form':
      return send(res, 200, formPage());
    case 'POST /form':
      return send(res, 200, confirmationPage(await body(req)));
    case 'GET /playground':
      return send(res, 200, playgroundPage());
    case 'GET /slow': {
      const ms = Math.min(Number(url.searchParams.get('ms') ?? '1000'), 30_000);
      await new Promise((r) => setTimeout(r, ms));
      return send(res, 200, '<!doctype html><title>Slow</title><p id="slow">slow page</p>');
    }
    case 'GET /redirect-later': {
      const ms = Number(url.searchParams.get('ms') ?? '300');
      const to = (url.searchParams.get('to') ?? '/news').replace(/[^\w/?=&.-]/g, '');
      return send(
        res,
        200,
        `<!doctype html><title>Redirecting</title><script>setTimeout(()=>{location.href=${JSON.stringify(to)}},${ms})</script>`,
      );
    }
    default:
      if (/^GET \/news\/\d+$/.test(key)) return send(res, 200, '<!doctype html><title>Story</title><p>story</p>');
      return send(res, 404, '<!doctype html><title>Not found</title><p>not found</p>');
  }
}

/** Starts the site on `127.0.0.1:<port>` (default: a free port). */
export async function startFixtureSite(
  opts: { readonly port?: number; readonly host?: string } = {},
): Promise<FixtureSite> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method ?? 'GET'} ${req.url ?? '/'}`);
    route(req, res).catch(() => send(res, 500, 'internal error'));
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

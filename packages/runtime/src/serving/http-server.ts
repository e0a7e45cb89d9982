/**
 * The HTTP/1.1 listener: Connect (curl with JSON works) and gRPC-Web for every
 * service, plus `/metrics` (Prometheus), `/healthz` (liveness) and `/readyz`
 * (readiness), any extra probes the service adds, with CORS for the configured origins.
 */
import http from 'node:http';
import type { DescService } from '@bufbuild/protobuf';
import { cors } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import type { Registry } from 'prom-client';
import type { AnyServiceImpl } from './instrument.js';

/** The probes the HTTP listener answers. */
export type Probes = {
  /** Liveness: false only once the server has stopped. */
  live(): boolean;
  /** Readiness: a list of reasons it is not ready; empty when ready. */
  notReadyReasons(): Promise<readonly string[]>;
};

/** Options of {@link createHttpServer}. */
export type HttpServerOptions = {
  readonly services: readonly { service: DescService; impl: AnyServiceImpl }[];
  readonly registry: Registry;
  readonly probes: Probes;
  readonly maxMessageBytes: number;
  readonly corsAllowedOrigins: readonly string[];
  /** Extra probes by exact path (see {@link ExtraProbe}); the built-in paths win. */
  readonly extraProbes?: Readonly<Record<string, ExtraProbe>>;
};

/**
 * An extra probe endpoint (e.g. the sidecar's `/browser/healthz`): GET answers 200
 * `{"status":"ok"}` when the check resolves undefined, 503 `{"status":"unhealthy","reason"}`
 * when it resolves a reason or rejects.
 */
export type ExtraProbe = () => Promise<string | undefined>;

function applyCors(req: http.IncomingMessage, res: http.ServerResponse, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (!origin || allowed.length === 0) return false;
  if (!allowed.includes('*') && !allowed.includes(origin)) return false;
  res.setHeader('Access-Control-Allow-Origin', allowed.includes('*') ? '*' : origin);
  res.setHeader('Vary', 'Origin');
  res.setHeader('Access-Control-Expose-Headers', [...cors.exposedHeaders, 'X-Request-Id'].join(', '));
  if (req.method === 'OPTIONS') {
    res.setHeader('Access-Control-Allow-Methods', cors.allowedMethods.join(', '));
    res.setHeader(
      'Access-Control-Allow-Headers',
      [...cors.allowedHeaders, 'X-Request-Id', 'Traceparent', 'Tracestate', 'Authorization'].join(', '),
    );
    res.setHeader('Access-Control-Max-Age', '7200');
    res.writeHead(204).end();
    return true;
  }
  return false;
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function serveOps(req: http.IncomingMessage, res: http.ServerResponse, opts: HttpServerOptions): boolean {
  if (req.method !== 'GET') return false;
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/metrics') {
    opts.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': opts.registry.contentType }).end(text),
      (e: unknown) => json(res, 500, { error: String(e) }),
    );
  } else if (path === '/healthz') {
    const live = opts.probes.live();
    json(res, live ? 200 : 503, { status: live ? 'ok' : 'stopped' });
  } else if (path === '/readyz') {
    opts.probes.notReadyReasons().then(
      (reasons) =>
        json(
          res,
          reasons.length === 0 ? 200 : 503,
          reasons.length === 0 ? { status: 'ready' } : { status: 'not ready', reasons },
        ),
      (e: unknown) => json(res, 503, { status: 'not ready', reasons: [String(e)] }),
    );
  } else {
    const probes = opts.extraProbes ?? {};
    const probe = path !== undefined && Object.hasOwn(probes, path) ? probes[path] : undefined;
    if (probe === undefined) return false;
    probe().then(
      (reason) =>
        json(
          res,
          reason === undefined ? 200 : 503,
          reason === undefined ? { status: 'ok' } : { status: 'unhealthy', reason },
        ),
      (e: unknown) => json(res, 503, { status: 'unhealthy', reason: String(e) }),
    );
  }
  return true;
}

/** Creates (does not listen) the HTTP/1.1 server. */
export function createHttpServer(opts: HttpServerOptions): http.Server {
  const connect = connectNodeAdapter({
    routes: (router) => {
      for (const { service, impl } of opts.services) router.service(service, impl as never);
    },
    grpc: false,
    readMaxBytes: opts.maxMessageBytes,
    writeMaxBytes: opts.maxMessageBytes,
  });
  return http.createServer((req, res) => {
    if (applyCors(req, res, opts.corsAllowedOrigins)) return;
    if (serveOps(req, res, opts)) return;
    connect(req, res);
  });
}

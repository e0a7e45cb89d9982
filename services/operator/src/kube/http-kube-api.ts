/**
 * The real {@link KubeApi}: JSON over HTTPS to the apiserver, authenticated
 * from a client-node `KubeConfig` (token, client certificate, in-cluster
 * service account). It uses plain REST rather than client-node's typed
 * clients so objects keep every field as written (the typed models drop
 * keywords such as `enum` from CRD schemas) and so watches expose their
 * resourceVersion and 410 answers directly.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { OperatorError } from '../errors.js';
import { fromStatus, type KubeStatus } from './status-error.js';
import type { KubeApi, KubeObject, ListOptions, ObjectKey, ResourceType, WatchEvent } from './kube-api.js';
import { readJsonLines } from './json-lines.js';

/** The operator's field manager for server-side apply. */
export const FIELD_MANAGER = 'nightglow-operator';

type Request = { method: string; path: string; body?: unknown; contentType?: string; signal?: AbortSignal };

function resourcePath(type: ResourceType, namespace: string | undefined, name?: string, sub?: string): string {
  const base = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  const ns = type.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const tail = name === undefined ? '' : `/${encodeURIComponent(name)}${sub ? `/${sub}` : ''}`;
  return `${base}${ns}/${type.plural}${tail}`;
}

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Creates the REST implementation of {@link KubeApi} for the current context of `kc`. */
export function createHttpKubeApi(kc: KubeConfig): KubeApi {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new OperatorError('INVALID', 'kubeconfig has no current cluster', { retryable: false });
  const server = new URL(cluster.server);
  const isHttps = server.protocol === 'https:';
  let agent: http.Agent | undefined;

  async function open(req: Request): Promise<http.IncomingMessage> {
    const opts: https.RequestOptions = { headers: {} };
    await kc.applyToHTTPSOptions(opts);
    agent ??= isHttps
      ? new https.Agent({ keepAlive: true, ca: opts.ca, cert: opts.cert, key: opts.key, servername: opts.servername })
      : new http.Agent({ keepAlive: true });
    const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
    const headers: Record<string, string> = { ...(opts.headers as Record<string, string>), accept: 'application/json' };
    if (payload !== undefined) {
      headers['content-type'] = req.contentType ?? 'application/json';
      // Node sends a DELETE body neither chunked nor sized; without a length the
      // apiserver would read it as the next request on the kept-alive socket.
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const transport = isHttps ? https : http;
    return new Promise((resolve, reject) => {
      const r = transport.request(
        {
          protocol: server.protocol,
          hostname: server.hostname,
          port: server.port,
          path: `${server.pathname.replace(/\/$/, '')}${req.path}`,
          method: req.method,
          headers,
          agent,
          ...(opts.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: opts.rejectUnauthorized }),
          ...(req.signal ? { signal: req.signal } : {}),
        },
        resolve,
      );
      r.on('error', (e) =>
        reject(
          req.signal?.aborted
            ? e
            : new OperatorError('UNAVAILABLE', `${req.method} ${req.path}: ${e.message}`, { cause: e }),
        ),
      );
      r.end(payload);
    });
  }

  async function call(req: Request): Promise<KubeObject> {
    const res = await open(req);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = { message: text.slice(0, 500) };
    }
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return body as KubeObject;
    throw fromStatus(status, body as KubeStatus, `${req.method} ${req.path}`);
  }

  async function* watch(
    type: ResourceType,
    opts: ListOptions & { resourceVersion: string; signal: AbortSignal; timeoutSeconds?: number },
  ): AsyncIterable<WatchEvent> {
    const path =
      resourcePath(type, opts.namespace) +
      query({
        watch: '1',
        resourceVersion: opts.resourceVersion,
        allowWatchBookmarks: 'true',
        labelSelector: opts.labelSelector,
        timeoutSeconds: String(opts.timeoutSeconds ?? 300),
      });
    const res = await open({ method: 'GET', path, signal: opts.signal });
    if ((res.statusCode ?? 0) >= 300) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      let body: KubeStatus = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as KubeStatus;
      } catch {
        // keep the empty status
      }
      throw fromStatus(res.statusCode ?? 0, body, `watch ${type.plural}`);
    }
    for await (const line of readJsonLines(res)) {
      const ev = line as { type: string; object: KubeObject & KubeStatus };
      if (ev.type === 'ERROR') throw fromStatus(ev.object.code ?? 500, ev.object, `watch ${type.plural}`);
      if (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED' || ev.type === 'BOOKMARK') {
        yield { type: ev.type, object: ev.object };
      }
    }
  }

  const ns = (key: ObjectKey): string | undefined => key.namespace;
  return {
    get: async (type, key) => {
      try {
        return await call({ method: 'GET', path: resourcePath(type, ns(key), key.name) });
      } catch (e) {
        if (e instanceof OperatorError && e.code === 'NOT_FOUND') return undefined;
        throw e;
      }
    },
    list: async (type, opts = {}) => {
      const path = resourcePath(type, opts.namespace) + query({ labelSelector: opts.labelSelector });
      const list = (await call({ method: 'GET', path })) as unknown as {
        items?: KubeObject[];
        metadata?: { resourceVersion?: string };
      };
      const items = (list.items ?? []).map((o) => ({
        ...o,
        apiVersion: o.apiVersion ?? '',
        kind: o.kind ?? type.kind,
      }));
      return { items, resourceVersion: list.metadata?.resourceVersion ?? '' };
    },
    watch,
    create: (type, obj) =>
      call({
        method: 'POST',
        path: resourcePath(type, obj.metadata.namespace) + query({ fieldManager: FIELD_MANAGER }),
        body: obj,
      }),
    replace: (type, obj, opts = {}) =>
      call({
        method: 'PUT',
        path: resourcePath(type, obj.metadata.namespace, obj.metadata.name ?? '', opts.subresource),
        body: obj,
      }),
    patch: (type, key, body, opts = {}) => {
      const apply = opts.type === 'apply';
      return call({
        method: 'PATCH',
        path:
          resourcePath(type, ns(key), key.name, opts.subresource) +
          query({ fieldManager: FIELD_MANAGER, force: apply ? 'true' : undefined }),
        body,
        contentType: apply ? 'application/apply-patch+yaml' : 'application/merge-patch+json',
      });
    },
    delete: async (type, key) => {
      try {
        await call({
          method: 'DELETE',
          path: resourcePath(type, ns(key), key.name),
          body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' },
        });
        return true;
      } catch (e) {
        if (e instanceof OperatorError && e.code === 'NOT_FOUND') return false;
        throw e;
      }
    },
  };
}

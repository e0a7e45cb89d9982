/**
 * client-node helpers for the packaging tests against the test environment's
 * kube-apiserver: clients for a kubeconfig or a bearer token, CRDs applied raw
 * and awaited, and ServiceAccount tokens through the TokenRequest API.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { CoreV1Api, KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { parseYamlDocs } from './repo.js';

/** A KubeConfig from a kubeconfig file (the test env's admin). */
export function adminConfig(kubeconfigPath: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return kc;
}

/** A KubeConfig that authenticates with `token` (e.g. a ServiceAccount's). */
export function tokenConfig(server: string, caFile: string, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'test', server, caFile, skipTLSVerify: false }],
    users: [{ name: 'sa', token }],
    contexts: [{ name: 'test', cluster: 'test', user: 'sa' }],
    currentContext: 'test',
  });
  return kc;
}

/** The HTTP status of a client-node error (undefined when it is not an API error). */
export function statusOf(e: unknown): number | undefined {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** The apiserver address, its CA file and an admin token (the test env's `kube`). */
export type Cluster = { readonly url: string; readonly caFile: string; readonly token: string };

/**
 * One raw API request (JSON in, JSON out). Used for CRDs: client-node maps
 * objects through its typed models and drops schema keywords such as
 * `x-kubernetes-int-or-string`, so CRDs go to the apiserver as they are.
 */
export function kubeRequest(
  cluster: Cluster,
  req: { method: string; path: string; body?: unknown; contentType?: string },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const data = req.body === undefined ? undefined : JSON.stringify(req.body);
  return new Promise((resolve, reject) => {
    const r = request(
      new URL(req.path, cluster.url),
      {
        method: req.method,
        ca: readFileSync(cluster.caFile),
        headers: {
          authorization: `Bearer ${cluster.token}`,
          accept: 'application/json',
          ...(data === undefined ? {} : { 'content-type': req.contentType ?? 'application/json' }),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }),
        );
      },
    );
    r.on('error', reject);
    r.end(data);
  });
}

const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

/** Creates every CRD of a YAML file unless it exists, then waits until each is Established. */
export async function applyCrds(cluster: Cluster, file: string): Promise<string[]> {
  return createCrds(cluster, parseYamlDocs(readFileSync(file, 'utf8')) as unknown as KubernetesObject[]);
}

/**
 * Server-side apply of CRDs with `dryRun=All` (what `kubectl apply
 * --dry-run=server` does): validated and admitted by the apiserver, stored
 * nowhere, whether or not they exist. Throws the first refusal with its message.
 */
export async function serverDryRunApply(cluster: Cluster, crds: readonly KubernetesObject[]): Promise<void> {
  for (const o of crds) {
    const path = `${CRD_PATH}/${o.metadata?.name ?? ''}?dryRun=All&fieldManager=nightglow-packaging-tests&force=true`;
    const r = await kubeRequest(cluster, {
      method: 'PATCH',
      path,
      body: o,
      contentType: 'application/apply-patch+yaml',
    });
    if (r.status >= 300) throw new Error(`server dry-run of ${o.metadata?.name ?? ''}: ${String(r.body['message'])}`);
  }
}

/**
 * Creates each CRD unless one of that name exists (never updates or deletes:
 * the apiserver is shared with other test files), then waits until each is Established.
 */
export async function createCrds(cluster: Cluster, crds: readonly KubernetesObject[]): Promise<string[]> {
  const names = crds.map((o) => o.metadata?.name ?? '');
  for (const o of crds) {
    const r = await kubeRequest(cluster, { method: 'POST', path: CRD_PATH, body: o });
    if (r.status >= 300 && r.status !== 409)
      throw new Error(`create ${o.metadata?.name ?? ''}: ${String(r.body['message'])}`);
  }
  for (const name of names) {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const r = await kubeRequest(cluster, { method: 'GET', path: `${CRD_PATH}/${name}` });
      const conditions =
        (r.body['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
      if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} not Established within 15 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return names;
}

/** A short-lived token of a ServiceAccount (TokenRequest API), as `kubectl create token` makes. */
export async function serviceAccountToken(kc: KubeConfig, namespace: string, name: string): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const tr = await core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 600 } },
  });
  const token = tr.status?.token;
  if (!token) throw new Error(`no token issued for ${namespace}/${name}`);
  return token;
}

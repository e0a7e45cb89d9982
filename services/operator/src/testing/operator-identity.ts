/**
 * The identity the operator runs under in integration tests: the Helm
 * chart's operator ServiceAccount, not an admin. Its ServiceAccount, roles
 * and bindings are rendered from `charts/nightglow` with `helm template`
 * (release namespace = the test's namespace, so the leader-election Role
 * covers the test's Lease), created as admin, and a token is minted with the
 * TokenRequest API. Fixtures may still be made as admin; the operator's own
 * calls go through this identity, so a rule the chart lacks fails the test.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { useTestEnv, writeKubeconfig } from '@nightglow/testenv';
import { hasCode } from '../errors.js';
import { createHttpKubeApi } from '../kube/http-kube-api.js';
import type { KubeApi, KubeObject, ResourceType } from '../kube/kube-api.js';
import { RESOURCES } from '../kube/resources.js';
import type { KubeTestContext } from './kube-env.js';
import { eventually } from './kube-env.js';

/** The chart the operator ships in. */
export const CHART_DIR = fileURLToPath(new URL('../../../../charts/nightglow', import.meta.url));

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const TYPES: Readonly<Record<string, ResourceType>> = {
  ServiceAccount: { group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true },
  ClusterRole: { group: RBAC_GROUP, version: 'v1', kind: 'ClusterRole', plural: 'clusterroles', namespaced: false },
  ClusterRoleBinding: {
    group: RBAC_GROUP,
    version: 'v1',
    kind: 'ClusterRoleBinding',
    plural: 'clusterrolebindings',
    namespaced: false,
  },
  Role: { group: RBAC_GROUP, version: 'v1', kind: 'Role', plural: 'roles', namespaced: true },
  RoleBinding: { group: RBAC_GROUP, version: 'v1', kind: 'RoleBinding', plural: 'rolebindings', namespaced: true },
};

/** The operator's test identity. */
export type OperatorIdentity = {
  /** A KubeApi authenticated as the ServiceAccount. */
  readonly api: KubeApi;
  /** A kubeconfig file with the token, for operator processes (`KUBECONFIG`). */
  readonly kubeconfigPath: string;
  /** `system:serviceaccount:<namespace>:<name>`. */
  readonly username: string;
  /** Deletes the cluster-scoped role and binding and the kubeconfig file. */
  cleanup(): Promise<void>;
};

/** The chart's operator ServiceAccount, roles and bindings for a release in `namespace`. */
export async function renderOperatorRbac(namespace: string): Promise<{ name: string; objects: KubeObject[] }> {
  const release = `op-${namespace}`.slice(0, 30).replace(/-+$/, '');
  const { stdout } = await promisify(execFile)(
    useTestEnv().tools.helm,
    [
      'template',
      release,
      CHART_DIR,
      '-n',
      namespace,
      '--show-only',
      'templates/serviceaccounts.yaml',
      '--show-only',
      'templates/rbac-operator.yaml',
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const docs = parseAllDocuments(stdout).map((d) => d.toJS() as KubeObject | null);
  const rbac = docs.filter((d): d is KubeObject => d !== null && d.kind !== 'ServiceAccount' && d.kind !== undefined);
  const name = rbac
    .flatMap((d) => (d['subjects'] as { kind: string; name: string }[] | undefined) ?? [])
    .find((s) => s.kind === 'ServiceAccount')?.name;
  const sa = docs.find((d) => d?.kind === 'ServiceAccount' && d.metadata.name === name);
  if (!name || !sa) throw new Error(`helm template of ${CHART_DIR} rendered no operator ServiceAccount with RBAC`);
  return { name, objects: [sa, ...rbac] };
}

/**
 * Applies the chart's operator RBAC in `namespace` (as admin) and returns an
 * API and kubeconfig authenticated with a fresh token of its ServiceAccount,
 * once the apiserver's authorizer lets that token list AutomationTasks.
 */
export async function createOperatorIdentity(admin: KubeTestContext, namespace: string): Promise<OperatorIdentity> {
  const { name, objects } = await renderOperatorRbac(namespace);
  const created: { type: ResourceType; name: string }[] = [];
  for (const o of objects) {
    const type = TYPES[o.kind ?? ''];
    if (!type) throw new Error(`unexpected ${o.kind ?? '?'} in the chart's operator RBAC`);
    const obj = type.namespaced ? { ...o, metadata: { ...o.metadata, namespace } } : o;
    await admin.api.create(type, obj);
    if (!type.namespaced) created.push({ type, name: o.metadata.name ?? '' });
  }
  const tr = await admin.kc.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const token = tr.status?.token;
  if (!token) throw new Error(`no token issued for ${namespace}/${name}`);
  const { kube } = useTestEnv();
  const dir = mkdtempSync(join(tmpdir(), 'nightglow-operator-sa-'));
  const kubeconfigPath = join(dir, 'kubeconfig.yaml');
  writeKubeconfig(kubeconfigPath, { url: kube.url, token, caFile: kube.caFile });
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const api = createHttpKubeApi(kc);
  await eventually(
    async () => (await api.list(RESOURCES.automationTask, { namespace })) && true,
    `the chart's RBAC to let ${namespace}/${name} list AutomationTasks`,
  );
  return {
    api,
    kubeconfigPath,
    username: `system:serviceaccount:${namespace}:${name}`,
    async cleanup() {
      for (const c of created) {
        await admin.api.delete(c.type, { name: c.name }).catch((e: unknown) => {
          if (!hasCode(e, 'NOT_FOUND')) throw e;
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppsV1Api, CoordinationV1Api, CoreV1Api, PolicyV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestEnv } from '@nightglow/testenv';
import { helmOk } from './helm.js';
import { allowed, label, type Check } from './access.js';
import { adminConfig, createCrds, serviceAccountToken, statusOf, tokenConfig } from './kube.js';
import { CHART_DIR, REPO_ROOT, parseYamlDocs } from './repo.js';

describe('RBAC of the chart: enough and no more', () => {
  const env = useTestEnv();
  const admin = adminConfig(env.kube.kubeconfigPath);
  const suffix = Date.now().toString(36);
  const ns = `pkg-rbac-${suffix}`;
  const release = `rbac-${suffix}`;
  const other = 'default';
  const sa = (component: string): string => `${release}-nightglow-${component}`;
  const as = async (component: string): Promise<KubeConfig> =>
    tokenConfig(env.kube.url, env.kube.caFile, await serviceAccountToken(admin, ns, sa(component)));

  beforeAll(async () => {
    const crds = parseYamlDocs(await helmOk(env.tools.helm, ['template', 'r', CHART_DIR])).filter(
      (d) => d['kind'] === 'CustomResourceDefinition',
    );
    await createCrds(env.kube, crds as never);
    await helmOk(env.tools.helm, [
      'install',
      release,
      CHART_DIR,
      '-n',
      ns,
      '--create-namespace',
      '--set',
      'crds.install=false',
      '--kubeconfig',
      env.kube.kubeconfigPath,
    ]);
  });
  afterAll(async () => {
    await helmOk(env.tools.helm, ['uninstall', release, '-n', ns, '--kubeconfig', env.kube.kubeconfigPath]);
  });

  it('the operator ServiceAccount may do what the operator needs, in any namespace', async () => {
    const needs: Check[] = [];
    for (const r of ['browserpools', 'browsersessions', 'automationtasks', 'taskrecords']) {
      for (const v of ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'])
        needs.push([v, 'nightglow.io', r, other]);
      needs.push(
        ['update', 'nightglow.io', r, other, 'status'],
        ['patch', 'nightglow.io', r, other, 'status'],
        ['update', 'nightglow.io', r, other, 'finalizers'],
      );
    }
    for (const [g, r] of [
      ['apps', 'deployments'],
      ['', 'services'],
      ['policy', 'poddisruptionbudgets'],
      ['', 'secrets'],
    ] as const) {
      for (const v of ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']) needs.push([v, g, r, other]);
    }
    needs.push(
      ['create', '', 'events', other],
      ['create', 'events.k8s.io', 'events', other],
      ['create', 'coordination.k8s.io', 'leases', ns],
      ['update', 'coordination.k8s.io', 'leases', ns],
      // Pool pods: listed and annotated (pod deletion cost), never created or deleted.
      ['get', '', 'pods', other],
      ['list', '', 'pods', other],
      ['watch', '', 'pods', other],
      ['patch', '', 'pods', other],
    );
    const kc = await as('operator');
    expect(await allowed(kc, needs)).toEqual(needs.map(label));
  });

  it("the operator ServiceAccount may use every resource type the operator's code declares (kube/resources.ts)", async () => {
    // Read as text: the operator does not export its RESOURCES table. CRDs are the chart's job.
    const text = readFileSync(join(REPO_ROOT, 'services', 'operator', 'src', 'kube', 'resources.ts'), 'utf8');
    const types = [
      ...[...text.matchAll(/nightglow\('\w+', '([a-z]+)'\)/g)].map((m) => ['nightglow.io', m[1] ?? ''] as const),
      ...[...text.matchAll(/group: '([a-z0-9.]*)',[^}]*?plural: '([a-z]+)'/g)].map(
        (m) => [m[1] ?? '', m[2] ?? ''] as const,
      ),
    ].filter(([, plural]) => plural !== 'customresourcedefinitions');
    expect(types.length).toBeGreaterThanOrEqual(10);
    const kc = await as('operator');
    const unusable: string[] = [];
    for (const [group, plural] of types) {
      const where = plural === 'leases' ? ns : other;
      const checks = ['get', 'list', 'create', 'patch'].map((v) => [v, group, plural, where] as Check);
      if ((await allowed(kc, checks)).length === 0) unusable.push(`${group || 'core'}/${plural}`);
    }
    expect(unusable).toEqual([]);
  });

  it('the operator ServiceAccount is refused everything outside its rules', async () => {
    const outside: Check[] = [
      ['create', '', 'pods', other],
      ['delete', '', 'pods', other],
      ['get', '', 'configmaps', other],
      ['create', '', 'serviceaccounts', other],
      ['create', 'rbac.authorization.k8s.io', 'clusterroles'],
      ['create', 'rbac.authorization.k8s.io', 'rolebindings', other],
      ['create', 'apiextensions.k8s.io', 'customresourcedefinitions'],
      ['delete', '', 'namespaces'],
      ['list', '', 'nodes'],
      ['create', 'coordination.k8s.io', 'leases', other],
      ['create', 'apps', 'statefulsets', other],
      ['create', 'batch', 'jobs', other],
    ];
    expect(await allowed(await as('operator'), outside)).toEqual([]);
  });

  it('with the operator token, real calls succeed inside the rules and are forbidden outside them', async () => {
    const kc = await as('operator');
    const name = `probe-${suffix}`;
    const labels = { 'app.kubernetes.io/managed-by': 'nightglow-operator' };
    const apps = kc.makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({
      namespace: other,
      body: {
        metadata: { name, labels },
        spec: {
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] },
          },
        },
      },
    });
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedService({
      namespace: other,
      body: { metadata: { name, labels }, spec: { ports: [{ port: 80 }], selector: { app: name } } },
    });
    await core.createNamespacedSecret({
      namespace: other,
      body: { metadata: { name, labels }, stringData: { k: 'v' } },
    });
    await kc.makeApiClient(PolicyV1Api).createNamespacedPodDisruptionBudget({
      namespace: other,
      body: { metadata: { name }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: name } } } },
    });
    await kc
      .makeApiClient(CoordinationV1Api)
      .createNamespacedLease({ namespace: ns, body: { metadata: { name }, spec: { holderIdentity: 'test' } } });
    await core.createNamespacedEvent({
      namespace: other,
      body: {
        metadata: { name },
        involvedObject: { kind: 'Deployment', name, namespace: other },
        reason: 'Probe',
        message: 'rbac probe',
        type: 'Normal',
      },
    });
    expect((await core.listNamespacedPod({ namespace: other })).items).toBeDefined();
    await expect(core.deleteCollectionNamespacedPod({ namespace: other })).rejects.toSatisfy(
      (e) => statusOf(e) === 403,
    );
    await expect(core.listNamespacedConfigMap({ namespace: other })).rejects.toSatisfy((e) => statusOf(e) === 403);
    await expect(
      kc.makeApiClient(CoordinationV1Api).createNamespacedLease({ namespace: other, body: { metadata: { name } } }),
    ).rejects.toSatisfy((e) => statusOf(e) === 403);
    await apps.deleteNamespacedDeployment({ name, namespace: other });
    await core.deleteNamespacedService({ name, namespace: other });
    await core.deleteNamespacedSecret({ name, namespace: other });
    await kc.makeApiClient(PolicyV1Api).deleteNamespacedPodDisruptionBudget({ name, namespace: other });
  });

  it('the broker reads EndpointSlices and pods of its namespace only; the other services have no API rights', async () => {
    const reads: Check[] = ['get', 'list', 'watch'].flatMap(
      (v) =>
        [
          [v, 'discovery.k8s.io', 'endpointslices', ns],
          [v, '', 'pods', ns],
        ] as Check[],
    );
    const broker = await as('session-broker');
    expect(await allowed(broker, reads)).toEqual(reads.map(label));
    const beyond: Check[] = [
      ['list', '', 'pods', other],
      ['list', 'discovery.k8s.io', 'endpointslices', other],
      ['create', '', 'pods', ns],
      ['delete', '', 'pods', ns],
      ['get', '', 'secrets', ns],
      ['list', 'nightglow.io', 'browserpools', ns],
    ];
    expect(await allowed(broker, beyond)).toEqual([]);
    for (const component of ['task-executor', 'record-store', 'browser-pool']) {
      expect(await allowed(await as(component), [...reads, ...beyond]), component).toEqual([]);
    }
  });
});

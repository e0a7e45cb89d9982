import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiextensionsV1Api, AppsV1Api, CoreV1Api, type KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestEnv } from '@nightglow/testenv';
import { helm, helmOk } from './helm.js';
import { adminConfig, applyCrds, createCrds, serverDryRunApply, statusOf } from './kube.js';
import { CHART_DIR, REPO_ROOT, parseYamlDocs } from './repo.js';

const fixture = (f: string): string => fileURLToPath(new URL(`../fixtures/${f}`, import.meta.url));
const FULL = join(CHART_DIR, 'ci', 'full-values.yaml');
const VALUE_SETS = [
  ['default values', [], 'default'],
  ['every optional feature (ci/full-values.yaml)', ['-f', FULL], 'full'],
] as const;

describe('Helm chart charts/nightglow', () => {
  const env = useTestEnv();
  const bin = env.tools.helm;
  const kube = ['--kubeconfig', env.kube.kubeconfigPath];
  const kc = adminConfig(env.kube.kubeconfigPath);
  const suffix = Date.now().toString(36);

  beforeAll(async () => {
    // The apiserver has no prometheus-operator: a minimal ServiceMonitor CRD first.
    await applyCrds(env.kube, fixture('servicemonitor-crd.yaml'));
    // The chart's CRDs as rendered (keep annotation and labels on) are checked by a
    // server-side dry-run apply, then created unless present. The apiserver is shared
    // with the operator's tests, so the releases below install with crds.install=false:
    // a release cannot adopt CRDs another party created (the keep path is exercised
    // below with a stand-in CRD).
    const rendered = parseYamlDocs(await helmOk(bin, ['template', 'r', CHART_DIR]));
    const crds = rendered.filter((d) => d['kind'] === 'CustomResourceDefinition') as unknown as KubernetesObject[];
    expect(crds.length).toBeGreaterThan(0);
    await serverDryRunApply(env.kube, crds);
    await createCrds(env.kube, crds);
  });

  it('renders each CRD of crds-src/ unchanged but for the keep annotation and the chart labels', async () => {
    const rendered = parseYamlDocs(await helmOk(bin, ['template', 'r', CHART_DIR]));
    const files = readdirSync(join(CHART_DIR, 'crds-src')).filter((f) => /\.ya?ml$/.test(f));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const source = parseYamlDocs(readFileSync(join(CHART_DIR, 'crds-src', f), 'utf8'))[0] as {
        metadata: { name: string };
        spec: unknown;
      };
      const out = rendered.find((d) => (d['metadata'] as { name?: string }).name === source.metadata.name) as
        { metadata: { annotations: Record<string, string> }; spec: unknown } | undefined;
      expect(out, f).toBeDefined();
      expect(out?.spec, f).toEqual(source.spec);
      expect(out?.metadata.annotations['helm.sh/resource-policy'], f).toBe('keep');
    }
  });

  it.each(VALUE_SETS)('passes helm lint --strict with %s', async (_name, args) => {
    const out = await helmOk(bin, ['lint', '--strict', CHART_DIR, ...args]);
    expect(out).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it.each([
    ['broker.replicas=two', /at '\/broker\/replicas': got string, want integer/],
    ['recordStore.grpcPort=99999', /at '\/recordStore\/grpcPort': .*maximum/],
    ['global.logLevel=loud', /at '\/global\/logLevel'/],
    ['executor.replicsa=2', /at '\/executor'.*replicsa/],
  ])('refuses --set %s at template time, naming the value', async (set, message) => {
    const r = await helm(bin, ['template', 'x', CHART_DIR, '--set', set]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });

  it('renders every service, the dashboards as labelled ConfigMaps and, when enabled, HPAs, policies and the ServiceMonitor', async () => {
    const base = parseYamlDocs(await helmOk(bin, ['template', 'r', CHART_DIR]));
    const full = parseYamlDocs(await helmOk(bin, ['template', 'r', CHART_DIR, '-f', FULL]));
    const kinds = (docs: Record<string, unknown>[], kind: string): string[] =>
      docs
        .filter((d) => d['kind'] === kind)
        .map((d) => (d['metadata'] as { name: string }).name)
        .sort();
    const deployments = [
      'r-nightglow-browser-pool',
      'r-nightglow-operator',
      'r-nightglow-record-store',
      'r-nightglow-session-broker',
      'r-nightglow-task-executor',
    ];
    expect(kinds(base, 'Deployment')).toEqual(deployments);
    expect(kinds(base, 'HorizontalPodAutoscaler')).toEqual([]);
    expect(kinds(base, 'NetworkPolicy')).toEqual([]);
    expect(kinds(base, 'ServiceMonitor')).toEqual([]);
    expect(kinds(full, 'HorizontalPodAutoscaler')).toEqual([
      'r-nightglow-record-store',
      'r-nightglow-session-broker',
      'r-nightglow-task-executor',
    ]);
    expect(kinds(full, 'NetworkPolicy').length).toBe(2);
    expect(kinds(full, 'ServiceMonitor')).toEqual(['r-nightglow']);
    const dashboards = base.filter(
      (d) => (d['metadata'] as { labels?: Record<string, string> }).labels?.['grafana_dashboard'] === '1',
    );
    const shipped = dashboards.flatMap((d) => Object.keys(d['data'] as object)).sort();
    expect(shipped).toEqual(readdirSync(join(CHART_DIR, 'dashboards')).sort());
  });

  it('keeps crds-src/ identical to services/operator/crds/ (the operator owns the CRDs)', () => {
    const list = (dir: string): string[] =>
      existsSync(dir)
        ? readdirSync(dir)
            .filter((f) => /\.ya?ml$/.test(f))
            .sort()
        : [];
    const source = join(REPO_ROOT, 'services', 'operator', 'crds');
    const copy = join(CHART_DIR, 'crds-src');
    expect(list(copy)).toEqual(list(source));
    for (const f of list(source)) {
      expect(
        readFileSync(join(copy, f), 'utf8'),
        `crds-src/${f} differs: cp services/operator/crds/${f} charts/nightglow/crds-src/`,
      ).toBe(readFileSync(join(source, f), 'utf8'));
    }
  });

  for (const [name, args, id] of VALUE_SETS) {
    it(`with ${name}: server dry-run, then a real install and uninstall`, async () => {
      const release = `${id}-${suffix}`;
      const ns = `pkg-chart-${id}-${suffix}`;
      const common = [
        release,
        CHART_DIR,
        '-n',
        ns,
        '--create-namespace',
        ...args,
        '--set',
        'crds.install=false',
        ...kube,
      ];
      const dry = await helmOk(bin, ['install', ...common, '--dry-run=server']);
      expect(dry).toMatch(/STATUS: pending-install/);
      expect(dry).toMatch(new RegExp(`NOTES:[\\s\\S]*${release}-nightglow-session-broker\\.${ns}\\.svc  grpc 50051`));
      await helmOk(bin, ['install', ...common, '--timeout', '60s']);
      const apps = kc.makeApiClient(AppsV1Api);
      const stored = await apps.listNamespacedDeployment({ namespace: ns });
      expect(stored.items.map((d) => d.metadata?.name).sort()).toHaveLength(5);
      const core = kc.makeApiClient(CoreV1Api);
      const cm = await core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'grafana_dashboard=1' });
      expect(cm.items).toHaveLength(5);
      await helmOk(bin, ['uninstall', release, '-n', ns, '--wait', ...kube]);
      expect((await apps.listNamespacedDeployment({ namespace: ns })).items).toHaveLength(0);
    });
  }

  describe('CRD plumbing (crds-src/ → templates, gated, kept on uninstall), with a stand-in CRD', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nightglow-chart-'));
    const chart = join(dir, 'nightglow');
    beforeAll(() => {
      cpSync(CHART_DIR, chart, { recursive: true });
      // Only the stand-in: the real CRDs exist already on the shared apiserver.
      rmSync(join(chart, 'crds-src'), { recursive: true });
      mkdirSync(join(chart, 'crds-src'));
      cpSync(fixture('sample-crd.yaml'), join(chart, 'crds-src', 'sample-crd.yaml'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('renders the CRD only with crds.install and annotates it helm.sh/resource-policy: keep', async () => {
      const on = parseYamlDocs(await helmOk(bin, ['template', 'r', chart]));
      const crd = on.find((d) => d['kind'] === 'CustomResourceDefinition') as {
        metadata: { annotations: Record<string, string>; labels: Record<string, string> };
      };
      expect(crd.metadata.annotations['helm.sh/resource-policy']).toBe('keep');
      expect(crd.metadata.labels['app.kubernetes.io/part-of']).toBe('nightglow');
      const off = parseYamlDocs(await helmOk(bin, ['template', 'r', chart, '--set', 'crds.install=false']));
      expect(off.some((d) => d['kind'] === 'CustomResourceDefinition')).toBe(false);
    });

    it('installs the CRD and leaves it in place on helm uninstall', async () => {
      const ns = `pkg-crd-${suffix}`;
      await helmOk(bin, ['install', `crd-${suffix}`, chart, '-n', ns, '--create-namespace', ...kube]);
      const ext = kc.makeApiClient(ApiextensionsV1Api);
      const name = 'widgets.packaging-test.nightglow.io';
      expect((await ext.readCustomResourceDefinition({ name })).metadata?.name).toBe(name);
      await helmOk(bin, ['uninstall', `crd-${suffix}`, '-n', ns, '--wait', ...kube]);
      expect((await ext.readCustomResourceDefinition({ name })).metadata?.deletionTimestamp).toBeUndefined();
      await ext.deleteCustomResourceDefinition({ name }).catch((e: unknown) => {
        if (statusOf(e) !== 404) throw e;
      });
    });
  });
});

/**
 * RBAC is enough, shown by the operator itself: its compiled main runs with a
 * kubeconfig holding a token of the chart's operator ServiceAccount (not an
 * admin identity), with the flags and environment the chart gives it. It must
 * sync its caches (list/watch of every resource it informs on), become ready,
 * and win its leader-election Lease in the release namespace.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceProcess, type ServiceProcess } from '@nightglow/runtime/testing';
import { useTestEnv, writeKubeconfig } from '@nightglow/testenv';
import { helmOk } from './helm.js';
import { adminConfig, createCrds, serviceAccountToken } from './kube.js';
import { renderedContainers } from './rendered-env.js';
import { CHART_DIR, parseYamlDocs } from './repo.js';

const main = fileURLToPath(new URL('../../../services/operator/dist/main.js', import.meta.url));

describe("the operator runs with the chart's operator ServiceAccount token", () => {
  const env = useTestEnv();
  const admin = adminConfig(env.kube.kubeconfigPath);
  const suffix = Date.now().toString(36);
  const ns = `pkg-op-${suffix}`;
  const release = `op-${suffix}`;
  const dir = mkdtempSync(join(tmpdir(), 'nightglow-op-token-'));
  let operator: ServiceProcess | undefined;

  beforeAll(async () => {
    const rendered = parseYamlDocs(await helmOk(env.tools.helm, ['template', release, CHART_DIR, '-n', ns]));
    await createCrds(env.kube, rendered.filter((d) => d['kind'] === 'CustomResourceDefinition') as never);
    const kube = [
      '-n',
      ns,
      '--create-namespace',
      '--set',
      'crds.install=false',
      '--kubeconfig',
      env.kube.kubeconfigPath,
    ];
    await helmOk(env.tools.helm, ['install', release, CHART_DIR, ...kube]);
  });

  afterAll(async () => {
    await operator?.stop();
    await helmOk(env.tools.helm, ['uninstall', release, '-n', ns, '--kubeconfig', env.kube.kubeconfigPath]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('syncs its caches, serves /readyz and holds its Lease', async () => {
    const token = await serviceAccountToken(admin, ns, `${release}-nightglow-operator`);
    const kubeconfig = join(dir, 'kubeconfig.yaml');
    writeKubeconfig(kubeconfig, { url: env.kube.url, token, caFile: env.kube.caFile });
    const rendered = parseYamlDocs(await helmOk(env.tools.helm, ['template', release, CHART_DIR, '-n', ns]));
    const chartOperator = renderedContainers(rendered).find((c) => c.container === 'operator');
    expect(chartOperator).toBeDefined();
    // The chart's flags and environment, with loopback listeners and the token's kubeconfig.
    const args = [
      ...(chartOperator?.args ?? []).filter((a) => !/^--(metrics|health-probe)-bind-address=/.test(a)),
      '--metrics-bind-address=127.0.0.1:0',
      '--health-probe-bind-address=127.0.0.1:0',
    ];
    expect(args).toContain('--leader-elect');
    const vars = { ...chartOperator?.env, POD_NAMESPACE: ns, KUBECONFIG: kubeconfig };
    const logs: string[] = [];
    operator = await startServiceProcess(main, vars, { args, timeoutMs: 60_000 });
    operator.child.stdout?.on('data', (d: Buffer) => logs.push(d.toString()));
    // Ready once every informer listed and watched with the token (allow a loaded apiserver some time).
    let status = 0;
    for (const until = Date.now() + 30_000; status !== 200 && Date.now() < until;) {
      status = (await fetch(`http://127.0.0.1:${operator.httpPort}/readyz`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    const refused = logs
      .join('')
      .split('\n')
      .filter((l) => /forbidden|403/i.test(l));
    expect(refused, 'API calls the token was refused').toEqual([]);
    expect(status, operator.stderr()).toBe(200);
    const leases = admin.makeApiClient(CoordinationV1Api);
    const deadline = Date.now() + 20_000;
    let holder: string | undefined;
    while (holder === undefined && Date.now() < deadline) {
      const lease = await leases
        .readNamespacedLease({ name: 'nightglow-operator', namespace: ns })
        .catch(() => undefined);
      holder = lease?.spec?.holderIdentity ?? undefined;
      if (holder === undefined) await new Promise((r) => setTimeout(r, 200));
    }
    expect(holder, 'the operator did not take its Lease in the release namespace').toBeTruthy();
  });
});

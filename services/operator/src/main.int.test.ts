import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectServingProcess,
  runServiceExpectingFailure,
  scrapeMetric,
  startServiceProcess,
  type ServiceProcess,
} from '@nightglow/runtime/testing';
import { tools } from '@nightglow/testenv';
import type { KubeObject } from './kube/kube-api.js';
import { API_VERSION, RESOURCES } from './kube/resources.js';
import { connectTestKube, createTestNamespace, eventually, installTestCrds } from './testing/kube-env.js';
import { createOperatorIdentity, type OperatorIdentity } from './testing/operator-identity.js';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
// Fixtures are made as admin; the operator processes run with a token of the chart's operator ServiceAccount.
const admin = connectTestKube();
const { api } = admin;
let op: OperatorIdentity;
let ns = '';
const procs: ServiceProcess[] = [];

const probeArgs = ['--metrics-bind-address=127.0.0.1:0', '--health-probe-bind-address=127.0.0.1:0'];
const leaderArgs = (): string[] => [
  ...probeArgs,
  `--namespace=${ns}`,
  '--leader-elect',
  '--leader-elect-lease-duration=3s',
  '--leader-elect-renew-deadline=2s',
  '--leader-elect-retry-period=250ms',
  // No broker here: pools report BrokerConnected=False, which is all this test needs.
];
const env = (podName: string): Record<string, string> => ({
  KUBECONFIG: op.kubeconfigPath,
  POD_NAME: podName,
  BROKER_URL: 'http://127.0.0.1:9',
  EXECUTOR_URL: 'http://127.0.0.1:9',
});

function reconciles(p: ServiceProcess): Promise<number> {
  return scrapeMetric(p.httpPort, 'nightglow_operator_reconcile_total', { controller: 'browserpool' });
}

const holder = async (): Promise<string> => {
  const lease = (await api.get(RESOURCES.lease, { namespace: ns, name: 'nightglow-operator' })) as
    (KubeObject & { spec?: { holderIdentity?: string } }) | undefined;
  return lease?.spec?.holderIdentity ?? '';
};

describe('operator process', () => {
  beforeAll(async () => {
    await installTestCrds(api);
    ns = await createTestNamespace(api, 'opproc');
    op = await createOperatorIdentity(admin, ns);
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop(2_000)));
    await op?.cleanup();
  });

  it('serves its probes and drains on SIGTERM with exit 0', async () => {
    await expectServingProcess(main, env('solo'), tools().grpcHealthProbe, {
      args: [...probeArgs, `--namespace=${ns}`],
    });
  });

  it('refuses a bad variable or flag naming it, exit 78', async () => {
    const r = await runServiceExpectingFailure(main, { RECORD_STORE_URL: 'not a url' });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('RECORD_STORE_URL');
    const f = await runServiceExpectingFailure(main, {}, { args: ['--leader-elect-renew-deadline=20s'] });
    expect(f.code).toBe(78);
    expect(f.stderr).toContain('--leader-elect-renew-deadline');
  });

  it('with --leader-elect only one of two processes reconciles; killing it hands over within the lease', async () => {
    const a = await startServiceProcess(main, env('op-a'), { args: leaderArgs() });
    procs.push(a);
    await eventually(async () => ((await holder()).startsWith('op-a_') ? true : undefined), 'op-a to lead');
    const b = await startServiceProcess(main, env('op-b'), { args: leaderArgs() });
    procs.push(b);
    await api.create(RESOURCES.browserPool, {
      apiVersion: API_VERSION,
      kind: 'BrowserPool',
      metadata: { name: 'proc', namespace: ns },
      spec: { replicas: 1 },
    });
    await eventually(() => api.get(RESOURCES.deployment, { namespace: ns, name: 'proc-browsers' }), 'the Deployment');
    await eventually(async () => ((await reconciles(a)) > 0 ? true : undefined), 'op-a to count its reconcile');
    expect(await reconciles(b)).toBe(0);

    a.child.kill('SIGKILL');
    const killedAt = Date.now();
    await a.exited;
    await eventually(async () => ((await holder()).startsWith('op-b_') ? true : undefined), 'op-b to lead', 10_000);
    // By expiry: op-b takes over a lease duration (3 s) after it last saw op-a renew, at its next retry (250 ms).
    // The other 5 s are for a loaded 2-core machine: op-b's timers, the apiserver round trips and this 50 ms poll.
    expect(Date.now() - killedAt).toBeLessThan(3_000 + 5_000);
    await api.patch(RESOURCES.browserPool, { namespace: ns, name: 'proc' }, { spec: { replicas: 2 } });
    await eventually(async () => {
      const d = (await api.get(RESOURCES.deployment, { namespace: ns, name: 'proc-browsers' })) as KubeObject & {
        spec: { replicas: number };
      };
      return d.spec.replicas === 2 ? true : undefined;
    }, 'op-b to reconcile the change');
    await eventually(async () => ((await reconciles(b)) > 0 ? true : undefined), 'op-b to count its reconciles');
  });
});

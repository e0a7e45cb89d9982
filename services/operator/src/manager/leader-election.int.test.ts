import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, systemClock } from '@nightglow/runtime';
import { OperatorError } from '../errors.js';
import type { KubeApi, KubeObject } from '../kube/kube-api.js';
import { API_VERSION, RESOURCES } from '../kube/resources.js';
import { connectTestKube, createTestNamespace, eventually, installTestCrds } from '../testing/kube-env.js';
import { createOperatorIdentity, type OperatorIdentity } from '../testing/operator-identity.js';
import { createManager, type Manager } from './manager.js';

// Fixtures are made as admin; the managers run as the chart's operator ServiceAccount.
const admin = connectTestKube();
const { api } = admin;
let op: OperatorIdentity;
const logger = createLogger({ service: 'operator-test', level: 'silent' });
const timing = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 200 };
/**
 * The hand-over test needs a leader that keeps its Lease through a second of a loaded machine: with the 2 s lease a
 * stalled event loop or a slow apiserver could let b take over legitimately. A hand-over on stop is by release, so a
 * longer lease does not make it slower; it only makes a hand-over by expiry (a release that did not happen) obvious.
 */
const stableTiming = { leaseDurationMs: 6_000, renewDeadlineMs: 4_000, retryPeriodMs: 200 };
let ns = '';

/** A KubeApi that can be cut off, as a crashed or partitioned instance would be. */
function severable(inner: KubeApi): KubeApi & { cut(): void } {
  let dead = false;
  const guard = <T>(fn: () => Promise<T>): Promise<T> =>
    dead ? Promise.reject(new OperatorError('UNAVAILABLE', 'cut off')) : fn();
  return {
    cut: () => void (dead = true),
    get: (t, k) => guard(() => inner.get(t, k)),
    list: (t, o) => guard(() => inner.list(t, o)),
    watch: (t, o) => inner.watch(t, o),
    create: (t, o) => guard(() => inner.create(t, o)),
    replace: (t, o, x) => guard(() => inner.replace(t, o, x)),
    patch: (t, k, b, o) => guard(() => inner.patch(t, k, b, o)),
    delete: (t, k) => guard(() => inner.delete(t, k)),
  };
}

function instance(
  identity: string,
  seen: Map<string, string[]>,
  kube: KubeApi = op.api,
  leaseTiming: typeof timing = timing,
): Manager {
  return createManager({
    api: kube,
    clock: systemClock,
    logger,
    namespace: ns,
    leaderElection: { ...leaseTiming, namespace: ns, identity },
    specs: [
      {
        name: 'browserpool',
        primary: RESOURCES.browserPool,
        reconcile: async (key) => {
          seen.set(identity, [...(seen.get(identity) ?? []), key]);
          return {};
        },
      },
    ],
  });
}

const pool = (name: string): KubeObject => ({
  apiVersion: API_VERSION,
  kind: 'BrowserPool',
  metadata: { name, namespace: ns },
  spec: { replicas: 1 },
});

const holder = async (): Promise<string | undefined> => {
  const lease = (await api.get(RESOURCES.lease, { namespace: ns, name: 'nightglow-operator' })) as
    (KubeObject & { spec?: { holderIdentity?: string } }) | undefined;
  return lease?.spec?.holderIdentity || undefined;
};

describe('leader election with a coordination.k8s.io Lease', () => {
  const running: Manager[] = [];
  beforeAll(async () => {
    await installTestCrds(api);
    ns = await createTestNamespace(api, 'leader');
    op = await createOperatorIdentity(admin, ns);
  });
  afterAll(async () => {
    await Promise.all(running.map((m) => m.stop()));
    await op?.cleanup();
  });

  it('lets only the leader reconcile and hands over within the lease duration when it stops', async () => {
    const seen = new Map<string, string[]>();
    const a = instance('a', seen, op.api, stableTiming);
    running.push(a);
    a.start();
    await eventually(async () => ((await holder()) === 'a' ? true : undefined), 'a to lead');
    const b = instance('b', seen, op.api, stableTiming);
    running.push(b);
    b.start();
    await api.create(RESOURCES.browserPool, pool('one'));
    await eventually(async () => (seen.get('a')?.includes(`${ns}/one`) ? true : undefined), 'a to reconcile');
    // b campaigns every 200 ms; give it several rounds to (wrongly) act.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(seen.get('b')).toBeUndefined();
    expect(b.state()).toBe('STANDBY');
    expect(b.ready()).toBe(true);

    const stoppedAt = Date.now();
    await a.stop();
    // a released the Lease on stop (empty holder, or b already took it), rather than leaving it to expire.
    expect([undefined, 'b']).toContain(await holder());
    await eventually(async () => (seen.get('b')?.includes(`${ns}/one`) ? true : undefined), 'b to take over');
    // By release this is b's next retry plus starting its informers and reconciling (well under a second when idle);
    // a hand-over by expiry alone would take the whole lease duration after a's last renewal, and more.
    expect(Date.now() - stoppedAt).toBeLessThan(stableTiming.leaseDurationMs);
    expect(await holder()).toBe('b');
    await api.create(RESOURCES.browserPool, pool('two'));
    await eventually(async () => (seen.get('b')?.includes(`${ns}/two`) ? true : undefined), 'b to reconcile new pools');
    expect(seen.get('a')).not.toContain(`${ns}/two`);
    await b.stop();
  });

  it('takes over from a leader that stopped renewing (crashed) once the lease expires', async () => {
    const seen = new Map<string, string[]>();
    const cutOff = severable(op.api);
    const c = instance('c', seen, cutOff);
    running.push(c);
    c.start();
    await eventually(async () => ((await holder()) === 'c' ? true : undefined), 'c to lead');
    const d = instance('d', seen);
    running.push(d);
    d.start();
    await eventually(async () => (seen.get('c')?.length ? true : undefined), 'c to reconcile');
    cutOff.cut();
    const cutAt = Date.now();
    await eventually(async () => ((await holder()) === 'd' ? true : undefined), 'd to lead', 10_000);
    const took = Date.now() - cutAt;
    expect(took).toBeGreaterThanOrEqual(timing.leaseDurationMs - timing.retryPeriodMs);
    // expiry seen on d's next retry, then its Lease update and first reconcile: 5 s for a loaded 2-core machine
    expect(took).toBeLessThan(timing.leaseDurationMs + 5_000);
    await eventually(async () => (seen.get('d')?.length ? true : undefined), 'd to reconcile');
    // The cut-off leader stepped down after its renew deadline.
    await eventually(async () => (c.state() === 'STANDBY' ? true : undefined), 'c to step down', 5_000);
  });
});

/**
 * BrowserPools on the real kube-apiserver, the controller running as the
 * chart's operator ServiceAccount, with its figures from the real session
 * broker (its compiled main) through the operator's gRPC broker client. The
 * broker serves a local Chromium pool named like the BrowserPool (`web`) with
 * a known capacity; the test takes its seats and queues one more session
 * through the broker's own client, and checks that the pool's status mirrors
 * what `GetPool` answers.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserState, SessionState, type Pool } from '@nightglow/contracts/broker/v1';
import { createLogger, createTracing, systemClock } from '@nightglow/runtime';
import { createBrokerApi } from '../clients/broker-api.js';
import { createEventRecorder } from '../controller/events.js';
import type { KubeObject } from '../kube/kube-api.js';
import { API_VERSION, RESOURCES } from '../kube/resources.js';
import { createManager, type Manager } from '../manager/manager.js';
import { connectTestKube, createTestNamespace, eventually, installTestCrds } from '../testing/kube-env.js';
import { createOperatorIdentity, type OperatorIdentity } from '../testing/operator-identity.js';
import { startTestBroker, type TestBroker } from '../testing/services.js';
import { poolControllerSpec } from './pool-controller.js';
import type { BrowserPool } from './pool-types.js';

// Fixtures are made as admin; the controllers run as the chart's operator ServiceAccount.
const admin = connectTestKube();
const { api } = admin;
let op: OperatorIdentity;
const logger = createLogger({ service: 'operator-test', level: 'silent' });
let ns = '';
const key = (name: string): { namespace: string; name: string } => ({ namespace: ns, name });
let manager: Manager;
let broker: TestBroker;
let brokerStopped = false;
/** Seats of the broker's pool: two sessions fill it, a third one queues. */
const MAX_SESSIONS = 2;
// One session per browser, none prewarmed: the READY sessions are the browsers.
// Long timeouts, so no session is reaped or times out in the queue during the test.
const POOLS = JSON.stringify({
  pools: [
    {
      name: 'web',
      source: 'local',
      maxSessions: MAX_SESSIONS,
      maxQueued: 5,
      sessionsPerBrowser: 1,
      defaults: { ttl: '30m', idleTimeout: '30m', queueTimeout: '10m' },
      local: { prewarm: 0 },
    },
  ],
});
/** Broker sessions this test made and has not deleted yet, in creation order. */
const live = new Set<string>();

/** Processes whose command line names the broker's data folder (its Chromiums). */
const brokerChromiums = (): string[] => {
  try {
    return execFileSync('pgrep', ['-f', broker.dataDir], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

/** Deletes the sessions still open (the queued one first), stops the broker and checks no Chromium of it is left. */
async function deleteSessionsAndStopBroker(): Promise<void> {
  if (!broker || brokerStopped) return;
  brokerStopped = true;
  let exit: number | null = null;
  try {
    for (const id of [...live].reverse()) {
      await broker.client.deleteSession({ sessionId: id, reason: 'pool test done' });
      live.delete(id);
    }
  } finally {
    exit = await broker.stop();
    for (let i = 0; i < 100 && brokerChromiums().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  }
  expect(exit).toBe(0);
  expect(brokerChromiums(), 'Chromium processes of the broker left after it stopped').toEqual([]);
}

/** Opens a session in the broker's pool `web` through its own client: READY, or at once QUEUED with `noWait`. */
async function openSession(noWait = false): Promise<string> {
  const res = await broker.client.createSession({ pool: 'web', noWait }, { timeoutMs: 60_000 });
  const id = res.session?.id ?? '';
  expect(id).not.toBe('');
  live.add(id);
  expect(res.session?.state).toBe(noWait ? SessionState.QUEUED : SessionState.READY);
  return id;
}

/** The broker's own GetPool of `web` and the BrowserPool, once the pool's status shows the same figures. */
async function mirrored(generation: number, what: string): Promise<{ pool: BrowserPool; gp: Pool }> {
  return eventually(async () => {
    const gp = (await broker.client.getPool({ pool: 'web' })).pool;
    const pool = (await api.get(RESOURCES.browserPool, key('web'))) as BrowserPool;
    const s = pool.status;
    return gp &&
      s?.observedGeneration === generation &&
      s.capacity === gp.maxSessions &&
      s.inUse === gp.inUse &&
      s.queued === gp.queued &&
      s.readyBrowsers === gp.readyBrowserCount
      ? { pool, gp }
      : undefined;
  }, what);
}

type Container = {
  name: string;
  image: string;
  args?: string[];
  securityContext: Record<string, unknown>;
  volumeMounts: { name: string; mountPath: string }[];
  livenessProbe?: object;
  readinessProbe?: object;
  startupProbe?: object;
  ports?: { name: string }[];
};
type Deployment = KubeObject & {
  spec: {
    replicas: number;
    template: {
      spec: {
        containers: Container[];
        volumes: { name: string; emptyDir?: { medium?: string; sizeLimit?: string } }[];
        securityContext: Record<string, unknown>;
        nodeSelector?: Record<string, string>;
        tolerations?: unknown[];
      };
    };
  };
};

describe('BrowserPool reconciler on the real kube-apiserver', () => {
  beforeAll(async () => {
    broker = await startTestBroker({ POOLS });
    await installTestCrds(api);
    ns = await createTestNamespace(api, 'pool');
    op = await createOperatorIdentity(admin, ns);
    const brokerApi = createBrokerApi({
      baseUrl: broker.url,
      tracing: createTracing({ serviceName: 'operator-test' }),
    });
    const events = createEventRecorder({ api: op.api, clock: systemClock, logger });
    manager = createManager({
      api: op.api,
      clock: systemClock,
      logger,
      namespace: ns,
      specs: [poolControllerSpec({ api: op.api, broker: brokerApi, clock: systemClock, events, refreshMs: 300 })],
    });
    manager.start();
  });
  afterAll(async () => {
    await manager?.stop();
    await deleteSessionsAndStopBroker();
    await op?.cleanup();
  });

  it('creates the Deployment, headless Service, PDB and gateway Secret, owned by the pool', async () => {
    const pool = await api.create(RESOURCES.browserPool, {
      apiVersion: API_VERSION,
      kind: 'BrowserPool',
      metadata: { name: 'web', namespace: ns },
      spec: {
        replicas: 2,
        browser: { args: ['--lang=en-US'] },
        nodeSelector: { 'nightglow.io/browsers': 'true' },
        tolerations: [{ key: 'browsers', operator: 'Exists', effect: 'NoSchedule' }],
      },
    });
    const dep = (await eventually(
      () => api.get(RESOURCES.deployment, key('web-browsers')),
      'the Deployment',
    )) as Deployment;
    expect(dep.spec.replicas).toBe(2);
    const pod = dep.spec.template.spec;
    expect(pod.containers.map((c) => c.name)).toEqual(['browser', 'sidecar']);
    const [browser, sidecar] = pod.containers as [Container, Container];
    expect(browser.args).toContain('--remote-debugging-address=127.0.0.1');
    expect(browser.args).toContain('--lang=en-US');
    expect(browser.livenessProbe).toBeDefined();
    expect(browser.startupProbe).toBeDefined();
    expect(sidecar.readinessProbe).toBeDefined();
    expect(sidecar.livenessProbe).toBeDefined();
    expect(sidecar.ports?.map((p) => p.name)).toEqual(['cdp-gateway', 'grpc', 'http']);
    for (const c of pod.containers) {
      expect(c.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
    }
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.volumes.find((v) => v.name === 'dshm')?.emptyDir).toEqual({ medium: 'Memory', sizeLimit: '1Gi' });
    expect(browser.volumeMounts).toContainEqual({ name: 'dshm', mountPath: '/dev/shm' });
    expect(pod.nodeSelector).toEqual({ 'nightglow.io/browsers': 'true' });
    expect(pod.tolerations).toHaveLength(1);

    const svc = (await eventually(
      () => api.get(RESOURCES.service, key('web-browsers')),
      'the Service',
    )) as KubeObject & {
      spec: { clusterIP: string };
    };
    expect(svc.spec.clusterIP).toBe('None');
    const pdb = (await eventually(() => api.get(RESOURCES.pdb, key('web-browsers')), 'the PDB')) as KubeObject & {
      spec: { maxUnavailable: number };
    };
    expect(pdb.spec.maxUnavailable).toBe(1);
    const secret = await eventually(() => api.get(RESOURCES.secret, key('web-gateway')), 'the gateway Secret');
    for (const owned of [dep, svc, pdb, secret]) {
      expect(owned.metadata.ownerReferences).toEqual([
        {
          apiVersion: API_VERSION,
          kind: 'BrowserPool',
          name: 'web',
          uid: pool.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
  });

  it('fills status from the broker with conditions carrying observedGeneration', async () => {
    // Both seats taken by READY sessions (one browser each), a third session waits in the queue.
    await openSession();
    await openSession();
    await openSession(true);
    expect(brokerChromiums().length).toBeGreaterThan(0);

    const { pool, gp } = await mirrored(1, 'the pool status to mirror GetPool');
    expect(gp).toMatchObject({ maxSessions: MAX_SESSIONS, inUse: 2, queued: 1 });
    const busy = gp.browsers.filter((b) => b.sessionCount > 0);
    expect(busy.map((b) => [b.state, b.sessionCount])).toEqual([
      [BrowserState.READY, 1],
      [BrowserState.READY, 1],
    ]);
    expect(pool.status).toMatchObject({
      replicas: 2,
      capacity: MAX_SESSIONS,
      inUse: 2,
      queued: 1,
      readyBrowsers: gp.readyBrowserCount,
    });
    const types = Object.fromEntries((pool.status?.conditions ?? []).map((c) => [c.type, c]));
    expect(types['BrokerConnected']).toMatchObject({ status: 'True', reason: 'PoolRegistered', observedGeneration: 1 });
    expect(types['Ready']).toMatchObject({
      status: 'True',
      reason: 'BrowsersReady',
      message: `${gp.readyBrowserCount}/2 browsers ready`,
      observedGeneration: 1,
    });
  });

  it('follows the broker when a seat frees and the queued session takes it', async () => {
    const [first, , queued] = [...live];
    await broker.client.deleteSession({ sessionId: first ?? '', reason: 'free a seat' });
    live.delete(first ?? '');
    await eventually(
      async () =>
        (await broker.client.getSession({ sessionId: queued ?? '' })).session?.state === SessionState.READY
          ? true
          : undefined,
      'the queued session to be READY',
      60_000,
    );
    const { pool, gp } = await mirrored(1, 'the pool status to follow GetPool');
    expect(gp).toMatchObject({ maxSessions: MAX_SESSIONS, inUse: 2, queued: 0 });
    expect(pool.status).toMatchObject({ capacity: MAX_SESSIONS, inUse: 2, queued: 0 });
  });

  it('updates the owned objects when the pool changes, and heals a deleted one', async () => {
    await api.patch(RESOURCES.browserPool, key('web'), {
      spec: { replicas: 3, sidecar: { image: 'example.org/sidecar:2' } },
    });
    const dep = await eventually(async () => {
      const d = (await api.get(RESOURCES.deployment, key('web-browsers'))) as Deployment;
      return d.spec.replicas === 3 ? d : undefined;
    }, 'replicas 3');
    expect(dep.spec.template.spec.containers[1]?.image).toBe('example.org/sidecar:2');
    await eventually(async () => {
      const p = (await api.get(RESOURCES.browserPool, key('web'))) as BrowserPool;
      return p.status?.observedGeneration === 2 && p.status.conditions?.every((c) => c.observedGeneration === 2)
        ? p
        : undefined;
    }, 'observedGeneration 2');
    const before = await api.get(RESOURCES.service, key('web-browsers'));
    await api.delete(RESOURCES.service, key('web-browsers'));
    const after = await eventually(async () => {
      const s = await api.get(RESOURCES.service, key('web-browsers'));
      return s && s.metadata.uid !== before?.metadata.uid ? s : undefined;
    }, 'the Service to be recreated');
    expect(after.metadata.ownerReferences?.[0]?.name).toBe('web');
  });

  it('says so in a condition when the broker is unreachable, without failing', async () => {
    await deleteSessionsAndStopBroker();
    const pool = await eventually(async () => {
      const p = (await api.get(RESOURCES.browserPool, key('web'))) as BrowserPool;
      const c = p.status?.conditions?.find((x) => x.type === 'BrokerConnected');
      return c?.status === 'False' ? p : undefined;
    }, 'BrokerConnected=False');
    const c = pool.status?.conditions?.find((x) => x.type === 'BrokerConnected');
    expect(c).toMatchObject({ reason: 'BrokerUnavailable', observedGeneration: 2 });
    expect(c?.message).toContain('broker GetPool: Unavailable');
    // The pool keeps its replicas and the last capacity the broker reported.
    expect(pool.status).toMatchObject({ replicas: 3, capacity: MAX_SESSIONS });
    const events = (await api.list(RESOURCES.event, { namespace: ns })).items as (KubeObject & {
      reason?: string;
      type?: string;
      message?: string;
    })[];
    const warning = events.find((e) => e.reason === 'BrokerUnavailable');
    expect(warning).toMatchObject({ type: 'Warning' });
    expect(warning?.message).toContain('broker GetPool: Unavailable');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, systemClock } from '@nightglow/runtime';
import type { BrokerApi, PoolStats } from '../clients/broker-api.js';
import { createEventRecorder } from '../controller/events.js';
import { OperatorError } from '../errors.js';
import type { KubeObject } from '../kube/kube-api.js';
import { API_VERSION, RESOURCES } from '../kube/resources.js';
import { createManager, type Manager } from '../manager/manager.js';
import { connectTestKube, createTestNamespace, eventually, installTestCrds } from '../testing/kube-env.js';
import { createOperatorIdentity, type OperatorIdentity } from '../testing/operator-identity.js';
import { poolControllerSpec } from './pool-controller.js';
import type { BrowserPool } from './pool-types.js';

// Fixtures are made as admin; the controllers run as the chart's operator ServiceAccount.
const admin = connectTestKube();
const { api } = admin;
let op: OperatorIdentity;
const logger = createLogger({ service: 'operator-test', level: 'silent' });
let ns = '';
let manager: Manager;
let brokerStats: PoolStats | undefined = { maxSessions: 8, inUse: 3, queued: 1, readyBrowsers: 2, browsers: [] };
const broker: BrokerApi = {
  getPool: async () => {
    if (!brokerStats) throw new OperatorError('UNAVAILABLE', 'broker GetPool: connection refused');
    return brokerStats;
  },
  createSession: () => Promise.reject(new Error('unused')),
  getSession: () => Promise.reject(new Error('unused')),
  deleteSession: () => Promise.reject(new Error('unused')),
  watchSession: () => {
    throw new Error('unused');
  },
};

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

const key = (name: string): { namespace: string; name: string } => ({ namespace: ns, name });

describe('BrowserPool reconciler on the real kube-apiserver', () => {
  beforeAll(async () => {
    await installTestCrds(api);
    ns = await createTestNamespace(api, 'pool');
    op = await createOperatorIdentity(admin, ns);
    const events = createEventRecorder({ api: op.api, clock: systemClock, logger });
    manager = createManager({
      api: op.api,
      clock: systemClock,
      logger,
      namespace: ns,
      specs: [poolControllerSpec({ api: op.api, broker, clock: systemClock, events, refreshMs: 300 })],
    });
    manager.start();
  });
  afterAll(async () => {
    await manager?.stop();
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
    const pool = await eventually(async () => {
      const p = (await api.get(RESOURCES.browserPool, key('web'))) as BrowserPool;
      return p.status?.observedGeneration === 1 && p.status.capacity === 8 ? p : undefined;
    }, 'pool status');
    expect(pool.status).toMatchObject({ replicas: 2, readyBrowsers: 2, inUse: 3, queued: 1 });
    const types = Object.fromEntries((pool.status?.conditions ?? []).map((c) => [c.type, c]));
    expect(types['BrokerConnected']).toMatchObject({ status: 'True', observedGeneration: 1 });
    expect(types['Ready']).toMatchObject({ status: 'True', reason: 'BrowsersReady', observedGeneration: 1 });
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
    brokerStats = undefined;
    const pool = await eventually(async () => {
      const p = (await api.get(RESOURCES.browserPool, key('web'))) as BrowserPool;
      const c = p.status?.conditions?.find((x) => x.type === 'BrokerConnected');
      return c?.status === 'False' ? p : undefined;
    }, 'BrokerConnected=False');
    const c = pool.status?.conditions?.find((x) => x.type === 'BrokerConnected');
    expect(c).toMatchObject({ reason: 'BrokerUnavailable', observedGeneration: 2 });
    expect(c?.message).toContain('connection refused');
    expect(pool.status?.replicas).toBe(3);
  });
});

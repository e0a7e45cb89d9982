import { describe, expect, it } from 'vitest';
import { createManualClock } from '@nightglow/runtime';
import type { BrokerApi, PoolStats } from '../clients/broker-api.js';
import { OperatorError } from '../errors.js';
import type { KubeObject } from '../kube/kube-api.js';
import { API_VERSION, RESOURCES } from '../kube/resources.js';
import { createFakeKube } from '../testing/fake-kube.js';
import { recordingEvents } from '../testing/fakes.js';
import { DELETION_COST_ANNOTATION } from './autoscale.js';
import { createPoolReconciler } from './pool-reconciler.js';
import type { BrowserPool } from './pool-types.js';

async function setup() {
  const api = createFakeKube();
  const clock = createManualClock(Date.parse('2026-01-01T00:00:00Z'));
  const events = recordingEvents();
  let stats: PoolStats | undefined;
  const broker: BrokerApi = {
    getPool: async () => {
      if (!stats) throw new OperatorError('UNAVAILABLE', 'broker down');
      return stats;
    },
    createSession: () => Promise.reject(new Error('unused')),
    getSession: () => Promise.reject(new Error('unused')),
    deleteSession: () => Promise.reject(new Error('unused')),
    watchSession: () => {
      throw new Error('unused');
    },
  };
  await api.create(RESOURCES.browserPool, {
    apiVersion: API_VERSION,
    kind: 'BrowserPool',
    metadata: { name: 'web', namespace: 'ns' },
    spec: {
      autoscaling: { minReplicas: 1, maxReplicas: 5, targetUtilization: 50, scaleDownDelaySeconds: 60 },
      sessionsPerBrowser: 4,
    },
  });
  const reconcile = createPoolReconciler({ api, broker, clock, events });
  const replicas = (): number | undefined =>
    (
      api.find(RESOURCES.deployment, { namespace: 'ns', name: 'web-browsers' }) as
        (KubeObject & { spec: { replicas: number } }) | undefined
    )?.spec.replicas;
  const pool = (): BrowserPool => api.find(RESOURCES.browserPool, { namespace: 'ns', name: 'web' }) as BrowserPool;
  return { api, clock, events, reconcile, replicas, pool, setStats: (s: PoolStats | undefined) => (stats = s) };
}

const browsers = (counts: number[]): PoolStats['browsers'] =>
  counts.map((n, i) => ({ podName: `web-${i}`, sessionCount: n }));

describe('BrowserPool reconciler with autoscaling', () => {
  it('scales from the broker figures, annotates deletion costs before scaling down, and holds when the broker is down', async () => {
    const t = await setup();
    // Broker down at creation: start at minReplicas and say why.
    t.setStats(undefined);
    expect(await t.reconcile('ns/web')).toEqual({ requeueAfterMs: 30_000 });
    expect(t.replicas()).toBe(1);
    expect(t.pool().status?.conditions?.find((c) => c.type === 'BrokerConnected')?.reason).toBe('BrokerUnavailable');

    // 6 in use + 2 queued at 4 per browser and 50 % target → 4 browsers.
    t.setStats({ maxSessions: 4, inUse: 6, queued: 2, readyBrowsers: 1, browsers: browsers([4]) });
    await t.reconcile('ns/web');
    expect(t.replicas()).toBe(4);
    expect(t.pool().status).toMatchObject({ replicas: 4, inUse: 6, queued: 2, utilization: 200 });
    expect(t.events.lines).toContain('Scaled: browsers 1 → 4 (ScaleUp)');

    for (const i of [0, 1, 2, 3]) {
      await t.api.create(RESOURCES.pod, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `web-${i}`, namespace: 'ns' },
      });
    }
    // Demand falls to one session, on web-2; the scale-down waits for the delay.
    t.setStats({ maxSessions: 16, inUse: 1, queued: 0, readyBrowsers: 4, browsers: browsers([0, 0, 1, 0]) });
    t.clock.advance(30_000);
    await t.reconcile('ns/web');
    expect(t.replicas()).toBe(4);
    t.clock.advance(30_000);
    await t.reconcile('ns/web');
    expect(t.replicas()).toBe(1);
    const cost = (name: string): string | undefined =>
      t.api.find(RESOURCES.pod, { namespace: 'ns', name })?.metadata.annotations?.[DELETION_COST_ANNOTATION];
    expect(['web-0', 'web-1', 'web-2', 'web-3'].map(cost)).toEqual(['0', '0', '1', '0']);

    // Broker unreachable again: replicas stay, the condition says so.
    t.setStats(undefined);
    await t.reconcile('ns/web');
    expect(t.replicas()).toBe(1);
    expect(t.pool().status?.conditions?.find((c) => c.type === 'BrokerConnected')?.status).toBe('False');
  });
});

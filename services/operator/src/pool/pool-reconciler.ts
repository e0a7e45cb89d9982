/**
 * The BrowserPool reconciler. Level-triggered: every pass computes the whole
 * desired state and applies it (server-side apply), so it is idempotent and
 * heals drift.
 *
 * 1. A gone or deleting pool is done (owned objects go with it through their
 *    owner references; no finalizer is needed, the broker learns from the pods).
 * 2. The gateway Secret (a random token) is created once.
 * 3. The broker's figures are read (GetPool). When the broker is unreachable
 *    the pool keeps its replicas and says so in the `BrokerConnected`
 *    condition instead of failing; it is asked again in 30 s.
 * 4. Replicas: `spec.replicas`, or the autoscaler's decision (see
 *    `autoscale.ts`); before a scale-down every pod gets its deletion cost.
 * 5. Deployment, headless Service and PodDisruptionBudget are applied.
 * 6. Status (figures, conditions with observedGeneration) is written when it changed.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '@nightglow/runtime';
import type { BrokerApi, PoolStats } from '../clients/broker-api.js';
import type { ReconcileResult, Reconciler } from '../controller/controller.js';
import type { EventRecorder } from '../controller/events.js';
import { OperatorError } from '../errors.js';
import { parseKey, type KubeApi, type KubeObject } from '../kube/kube-api.js';
import { RESOURCES } from '../kube/resources.js';
import { DELETION_COST_ANNOTATION, decideReplicas, deletionCosts, type ScaleDecision } from './autoscale.js';
import { desiredDeployment, desiredPdb, desiredService, gatewaySecretMeta } from './pool-resources.js';
import { poolStatus } from './pool-status.js';
import { POOL_DEFAULTS, poolSelector, type BrowserPool } from './pool-types.js';

/** What the pool reconciler needs. */
export type PoolReconcilerDeps = {
  readonly api: KubeApi;
  readonly broker: BrokerApi;
  readonly clock: Clock;
  readonly events: EventRecorder;
  /** How often a healthy pool's figures are refreshed from the broker; default 15 s. */
  readonly refreshMs?: number;
};

type Deployment = KubeObject & { spec?: { replicas?: number }; status?: { readyReplicas?: number } };

async function ensureGatewaySecret(api: KubeApi, pool: BrowserPool): Promise<void> {
  const m = gatewaySecretMeta(pool);
  if (await api.get(RESOURCES.secret, { namespace: m.namespace, name: m.name ?? '' })) return;
  try {
    await api.create(RESOURCES.secret, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: m,
      type: 'Opaque',
      stringData: { token: randomBytes(32).toString('base64url') },
    });
  } catch (e) {
    if (!(e instanceof OperatorError && e.code === 'ALREADY_EXISTS')) throw e;
  }
}

async function annotateDeletionCosts(api: KubeApi, pool: BrowserPool, stats: PoolStats): Promise<void> {
  const costs = deletionCosts(stats.browsers);
  const pods = await api.list(RESOURCES.pod, {
    namespace: pool.metadata.namespace,
    labelSelector: Object.entries(poolSelector(pool.metadata.name ?? ''))
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
  });
  for (const pod of pods.items) {
    const cost = String(costs.get(pod.metadata.name ?? '') ?? 0);
    if (pod.metadata.annotations?.[DELETION_COST_ANNOTATION] === cost) continue;
    await api.patch(
      RESOURCES.pod,
      { namespace: pod.metadata.namespace, name: pod.metadata.name ?? '' },
      { metadata: { annotations: { [DELETION_COST_ANNOTATION]: cost } } },
    );
  }
}

function decide(
  pool: BrowserPool,
  current: number | undefined,
  stats: PoolStats | undefined,
  nowMs: number,
): ScaleDecision | undefined {
  const a = pool.spec.autoscaling;
  if (!a) return { replicas: pool.spec.replicas ?? 1, reason: 'Steady', utilization: 0 };
  const min = a.minReplicas ?? 1;
  if (!stats) return current === undefined ? { replicas: min, reason: 'Steady', utilization: 0 } : undefined;
  const last = pool.status?.lastScaleTime ? Date.parse(pool.status.lastScaleTime) : undefined;
  return decideReplicas({
    current: current ?? min,
    minReplicas: min,
    maxReplicas: a.maxReplicas,
    targetUtilization: a.targetUtilization ?? POOL_DEFAULTS.targetUtilization,
    sessionsPerBrowser: pool.spec.sessionsPerBrowser ?? POOL_DEFAULTS.sessionsPerBrowser,
    inUse: stats.inUse,
    queued: stats.queued,
    busyBrowsers: stats.browsers.filter((b) => b.sessionCount > 0).length,
    nowMs,
    lastScaleMs: last,
    scaleDownDelayMs: (a.scaleDownDelaySeconds ?? POOL_DEFAULTS.scaleDownDelaySeconds) * 1000,
  });
}

/** Creates the BrowserPool reconciler. */
export function createPoolReconciler(deps: PoolReconcilerDeps): Reconciler {
  const { api } = deps;
  return async (key): Promise<ReconcileResult> => {
    const pool = (await api.get(RESOURCES.browserPool, parseKey(key))) as BrowserPool | undefined;
    if (!pool || pool.metadata.deletionTimestamp) return {};
    const name = pool.metadata.name ?? '';
    const namespace = pool.metadata.namespace ?? 'default';
    await ensureGatewaySecret(api, pool);

    let stats: PoolStats | undefined;
    let brokerError: OperatorError | undefined;
    try {
      stats = await deps.broker.getPool(name);
    } catch (e) {
      brokerError = OperatorError.from(e);
    }
    const nowMs = deps.clock.now();
    const depKey = { namespace, name: `${name}-browsers` };
    const existing = (await api.get(RESOURCES.deployment, depKey)) as Deployment | undefined;
    const current = existing?.spec?.replicas;
    const decision = decide(pool, current, stats, nowMs);
    const replicas = decision?.replicas ?? current ?? 0;
    if (stats && current !== undefined && replicas < current) await annotateDeletionCosts(api, pool, stats);

    const applied = (await api.patch(RESOURCES.deployment, depKey, desiredDeployment(pool, replicas), {
      type: 'apply',
    })) as Deployment;
    await api.patch(RESOURCES.service, depKey, desiredService(pool), { type: 'apply' });
    await api.patch(RESOURCES.pdb, depKey, desiredPdb(pool), { type: 'apply' });

    const scaled = current !== undefined && current !== replicas;
    if (scaled) {
      await deps.events.record(
        pool,
        'Normal',
        'Scaled',
        `browsers ${current} → ${replicas} (${decision?.reason ?? 'Steady'})`,
      );
    } else if (current === undefined) {
      await deps.events.record(pool, 'Normal', 'Created', `created ${depKey.name} with ${replicas} browsers`);
    }
    if (brokerError && pool.status?.conditions?.find((c) => c.type === 'BrokerConnected')?.status !== 'False') {
      await deps.events.record(pool, 'Warning', 'BrokerUnavailable', brokerError.message);
    }
    const status = poolStatus({
      pool,
      replicas,
      deploymentReady: applied.status?.readyReplicas ?? 0,
      stats,
      brokerError,
      utilization: pool.spec.autoscaling && decision && stats ? decision.utilization : undefined,
      lastScaleTime: scaled ? new Date(nowMs).toISOString() : pool.status?.lastScaleTime,
      nowMs,
    });
    if (JSON.stringify(status) !== JSON.stringify(pool.status ?? {})) {
      await api.patch(RESOURCES.browserPool, { namespace, name }, { status }, { subresource: 'status' });
    }
    return { requeueAfterMs: brokerError ? 30_000 : (deps.refreshMs ?? 15_000) };
  };
}

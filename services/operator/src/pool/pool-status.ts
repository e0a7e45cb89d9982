/** Builds a BrowserPool's status from what the reconcile saw. */
import type { PoolStats } from '../clients/broker-api.js';
import { setCondition } from '../controller/conditions.js';
import { type OperatorError } from '../errors.js';
import { POOL_DEFAULTS, type BrowserPool, type BrowserPoolStatus } from './pool-types.js';

/** What {@link poolStatus} needs. */
export type PoolObservation = {
  readonly pool: BrowserPool;
  readonly replicas: number;
  readonly deploymentReady: number;
  readonly stats: PoolStats | undefined;
  readonly brokerError: OperatorError | undefined;
  readonly utilization: number | undefined;
  readonly lastScaleTime: string | undefined;
  readonly nowMs: number;
};

/** The status to write: broker figures when the broker answered, the Deployment's otherwise. */
export function poolStatus(o: PoolObservation): BrowserPoolStatus {
  const prev = o.pool.status ?? {};
  const generation = o.pool.metadata.generation ?? 0;
  const at = { generation, nowMs: o.nowMs };
  const spb = o.pool.spec.sessionsPerBrowser ?? POOL_DEFAULTS.sessionsPerBrowser;
  const ready = o.stats?.readyBrowsers ?? o.deploymentReady;
  const fallbackCapacity = Math.min(o.replicas * spb, o.pool.spec.maxSessions || Infinity);
  let conditions = setCondition(
    prev.conditions,
    o.stats
      ? { type: 'BrokerConnected', status: 'True', reason: 'PoolRegistered', message: 'the broker reports this pool' }
      : o.brokerError?.code === 'NOT_FOUND'
        ? {
            type: 'BrokerConnected',
            status: 'False',
            reason: 'PoolNotRegistered',
            message: 'the broker does not know this pool (yet)',
          }
        : {
            type: 'BrokerConnected',
            status: 'False',
            reason: 'BrokerUnavailable',
            message: `the broker could not be asked: ${o.brokerError?.message ?? 'unknown error'}`.slice(0, 512),
          },
    at,
  );
  const allReady = ready >= o.replicas;
  conditions = setCondition(
    conditions,
    {
      type: 'Ready',
      status: allReady ? 'True' : 'False',
      reason: o.replicas === 0 ? 'ScaledToZero' : allReady ? 'BrowsersReady' : 'BrowsersNotReady',
      message: `${ready}/${o.replicas} browsers ready`,
    },
    at,
  );
  return {
    observedGeneration: generation,
    replicas: o.replicas,
    readyBrowsers: ready,
    capacity: o.stats?.maxSessions ?? prev.capacity ?? (Number.isFinite(fallbackCapacity) ? fallbackCapacity : 0),
    inUse: o.stats?.inUse ?? prev.inUse ?? 0,
    queued: o.stats?.queued ?? prev.queued ?? 0,
    ...(o.utilization !== undefined
      ? { utilization: o.utilization }
      : prev.utilization !== undefined
        ? { utilization: prev.utilization }
        : {}),
    ...(o.lastScaleTime ? { lastScaleTime: o.lastScaleTime } : {}),
    conditions,
  };
}

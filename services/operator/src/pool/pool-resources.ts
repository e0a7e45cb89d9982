/**
 * The objects a BrowserPool owns, built as pure functions of the pool (and
 * the replica count decided by the autoscaler): the Deployment of browser
 * pods, the headless Service and the PodDisruptionBudget. Applied with
 * server-side apply, so building them whole every time is idempotent.
 * The pod template is in `pod-spec.ts`.
 */
import type { KubeObject, OwnerReference } from '../kube/kube-api.js';
import { API_VERSION, MANAGED_BY } from '../kube/resources.js';
import { gatewaySecretName, podSpec } from './pod-spec.js';
import { POD_PORTS, poolSelector, type BrowserPool } from './pool-types.js';

export { gatewaySecretName };

/** The owner reference every owned object carries (controller, blocks owner deletion). */
export function ownerRef(pool: KubeObject, kind = 'BrowserPool'): OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind,
    name: pool.metadata.name ?? '',
    uid: pool.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

function meta(pool: BrowserPool, name: string): KubeObject['metadata'] {
  const poolName = pool.metadata.name ?? '';
  return {
    name,
    namespace: pool.metadata.namespace ?? 'default',
    labels: { ...poolSelector(poolName), 'app.kubernetes.io/instance': poolName, ...MANAGED_BY },
    ownerReferences: [ownerRef(pool)],
  };
}

/** The pool's Deployment with `replicas` browser pods. */
export function desiredDeployment(pool: BrowserPool, replicas: number): KubeObject {
  const name = pool.metadata.name ?? '';
  const m = meta(pool, `${name}-browsers`);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: m,
    spec: {
      replicas,
      selector: { matchLabels: poolSelector(name) },
      // Surge first, remove last: a rollout never drops below the current browsers.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: { metadata: { labels: m.labels }, spec: podSpec(pool) },
    },
  };
}

/** The headless Service giving each browser pod a DNS name. */
export function desiredService(pool: BrowserPool): KubeObject {
  const name = pool.metadata.name ?? '';
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(pool, `${name}-browsers`),
    spec: {
      clusterIP: 'None',
      selector: poolSelector(name),
      ports: [
        { name: 'cdp-gateway', port: POD_PORTS.gateway, targetPort: 'cdp-gateway', protocol: 'TCP' },
        { name: 'grpc', port: POD_PORTS.sidecarGrpc, targetPort: 'grpc', protocol: 'TCP' },
      ],
    },
  };
}

/** The PodDisruptionBudget: voluntary evictions take at most one browser at a time. */
export function desiredPdb(pool: BrowserPool): KubeObject {
  const name = pool.metadata.name ?? '';
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta(pool, `${name}-browsers`),
    spec: { maxUnavailable: 1, selector: { matchLabels: poolSelector(name) } },
  };
}

/** The gateway Secret's metadata (the token itself is generated once, never rebuilt). */
export function gatewaySecretMeta(pool: BrowserPool): KubeObject['metadata'] {
  return meta(pool, gatewaySecretName(pool.metadata.name ?? ''));
}

/** The BrowserPool resource as the reconciler reads it (after the CRD's defaults). */
import type { Condition } from '../controller/conditions.js';
import type { KubeObject } from '../kube/kube-api.js';

/** Resource requests and limits. */
export type Resources = { requests?: Record<string, string | number>; limits?: Record<string, string | number> };

/** `BrowserPool.spec`. */
export type BrowserPoolSpec = {
  replicas?: number;
  autoscaling?: {
    minReplicas?: number;
    maxReplicas: number;
    targetUtilization?: number;
    scaleDownDelaySeconds?: number;
  };
  browser?: {
    image?: string;
    imagePullPolicy?: string;
    args?: string[];
    resources?: Resources;
    shmSize?: string | number;
  };
  sessionsPerBrowser?: number;
  maxSessions?: number;
  maxQueued?: number;
  sessionDefaults?: { isolation?: string; ttl?: string; idleTimeout?: string; maxTtl?: string };
  prewarm?: number;
  sidecar?: {
    image?: string;
    imagePullPolicy?: string;
    resources?: Resources;
    blueprints?: string[];
    blueprintsConfigMap?: string;
    /** Extra environment variables of the sidecar (event bus, Kafka brokers, ...). */
    env?: Record<string, unknown>[];
  };
  nodeSelector?: Record<string, string>;
  tolerations?: unknown[];
  affinity?: Record<string, unknown>;
  priorityClassName?: string;
  serviceAccountName?: string;
};

/** `BrowserPool.status`. */
export type BrowserPoolStatus = {
  observedGeneration?: number;
  replicas?: number;
  readyBrowsers?: number;
  capacity?: number;
  inUse?: number;
  queued?: number;
  utilization?: number;
  lastScaleTime?: string;
  conditions?: Condition[];
};

/** A BrowserPool object. */
export type BrowserPool = KubeObject & { spec: BrowserPoolSpec; status?: BrowserPoolStatus };

/** Defaults the CRD also applies (kept here for objects built without the apiserver, e.g. in unit tests). */
export const POOL_DEFAULTS = {
  browserImage: 'ghcr.io/nightglow/browser:0.1.0',
  sidecarImage: 'ghcr.io/nightglow/instrumentation-sidecar:0.1.0',
  sessionsPerBrowser: 4,
  shmSize: '1Gi',
  targetUtilization: 70,
  scaleDownDelaySeconds: 300,
} as const;

/** Ports of a browser pod. CDP itself listens on 127.0.0.1:9222 inside the pod only. */
export const POD_PORTS = { cdpLocal: 9222, gateway: 9223, sidecarGrpc: 50053, sidecarHttp: 8080 } as const;

/** Labels selecting a pool's pods. */
export function poolSelector(poolName: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'nightglow-browser', 'nightglow.io/pool': poolName };
}

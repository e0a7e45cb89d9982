/**
 * The pod template of a pool's browser pods: the `browser` container
 * (headless Chromium, CDP on 127.0.0.1:9222 only, an in-memory /dev/shm) and
 * the `sidecar` container (gateway, gRPC, probes), non-root with every
 * capability dropped and a RuntimeDefault seccomp profile. Kubelet probes
 * cannot reach the loopback CDP, so the browser's probes ask the sidecar
 * (`/browser/healthz`), which checks CDP on its behalf.
 */
import { POD_PORTS, POOL_DEFAULTS, type BrowserPool } from './pool-types.js';

/** Name of the Secret holding the pool's gateway token. */
export const gatewaySecretName = (pool: string): string => `${pool}-gateway`;

const CHROMIUM_ARGS = [
  '--headless=new',
  '--remote-debugging-address=127.0.0.1',
  `--remote-debugging-port=${POD_PORTS.cdpLocal}`,
  '--user-data-dir=/tmp/chromium-profile',
  '--no-first-run',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Unprivileged containers usually cannot create the namespaces Chromium's
  // own sandbox needs; the pod's non-root, no-capability, seccomp context isolates it instead.
  '--no-sandbox',
];

const containerSecurity = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
};

const httpProbe = (path: string, periodSeconds: number, failureThreshold: number): Record<string, unknown> => ({
  httpGet: { path, port: 'http' },
  periodSeconds,
  timeoutSeconds: 2,
  failureThreshold,
});

/** The pod spec of `pool`'s browser pods. */
export function podSpec(pool: BrowserPool): Record<string, unknown> {
  const s = pool.spec;
  const name = pool.metadata.name ?? '';
  const sidecar = s.sidecar ?? {};
  // The sidecar's own variables (services/instrumentation-sidecar/src/config.ts).
  const env = [
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'SIDECAR_POOL', value: name },
    { name: 'CDP_URL', value: `http://127.0.0.1:${POD_PORTS.cdpLocal}` },
    { name: 'CDP_GATEWAY_PORT', value: String(POD_PORTS.gateway) },
    { name: 'CDP_GATEWAY_SECRET', valueFrom: { secretKeyRef: { name: gatewaySecretName(name), key: 'token' } } },
    { name: 'GRPC_PORT', value: String(POD_PORTS.sidecarGrpc) },
    { name: 'HTTP_PORT', value: String(POD_PORTS.sidecarHttp) },
    { name: 'BIND_HOST', value: '0.0.0.0' },
    ...(sidecar.blueprints?.length ? [{ name: 'BLUEPRINTS', value: sidecar.blueprints.join(',') }] : []),
    ...(sidecar.blueprintsConfigMap
      ? [{ name: 'BLUEPRINTS_FILE', value: '/etc/nightglow/blueprints/blueprints.yaml' }]
      : []),
    ...(sidecar.env ?? []),
  ];
  const volumes: Record<string, unknown>[] = [
    { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: s.browser?.shmSize ?? POOL_DEFAULTS.shmSize } },
    { name: 'browser-tmp', emptyDir: {} },
    { name: 'sidecar-tmp', emptyDir: {} },
    ...(sidecar.blueprintsConfigMap ? [{ name: 'blueprints', configMap: { name: sidecar.blueprintsConfigMap } }] : []),
  ];
  return {
    ...(s.serviceAccountName ? { serviceAccountName: s.serviceAccountName } : {}),
    automountServiceAccountToken: false,
    terminationGracePeriodSeconds: 30,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [
      {
        name: 'browser',
        image: s.browser?.image ?? POOL_DEFAULTS.browserImage,
        imagePullPolicy: s.browser?.imagePullPolicy ?? 'IfNotPresent',
        args: [...CHROMIUM_ARGS, ...(s.browser?.args ?? [])],
        resources: s.browser?.resources ?? { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } },
        securityContext: containerSecurity,
        // Probed through the sidecar: CDP listens on loopback only.
        startupProbe: httpProbe('/browser/healthz', 2, 30),
        livenessProbe: httpProbe('/browser/healthz', 10, 3),
        volumeMounts: [
          { name: 'dshm', mountPath: '/dev/shm' },
          { name: 'browser-tmp', mountPath: '/tmp' },
        ],
      },
      {
        name: 'sidecar',
        image: sidecar.image ?? POOL_DEFAULTS.sidecarImage,
        imagePullPolicy: sidecar.imagePullPolicy ?? 'IfNotPresent',
        ports: [
          { name: 'cdp-gateway', containerPort: POD_PORTS.gateway, protocol: 'TCP' },
          { name: 'grpc', containerPort: POD_PORTS.sidecarGrpc, protocol: 'TCP' },
          { name: 'http', containerPort: POD_PORTS.sidecarHttp, protocol: 'TCP' },
        ],
        env,
        resources: sidecar.resources ?? { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
        securityContext: containerSecurity,
        readinessProbe: httpProbe('/readyz', 5, 3),
        livenessProbe: httpProbe('/healthz', 10, 3),
        volumeMounts: [
          { name: 'sidecar-tmp', mountPath: '/tmp' },
          ...(sidecar.blueprintsConfigMap
            ? [{ name: 'blueprints', mountPath: '/etc/nightglow/blueprints', readOnly: true }]
            : []),
        ],
      },
    ],
    volumes,
    ...(s.nodeSelector ? { nodeSelector: s.nodeSelector } : {}),
    ...(s.tolerations ? { tolerations: s.tolerations } : {}),
    ...(s.affinity ? { affinity: s.affinity } : {}),
    ...(s.priorityClassName ? { priorityClassName: s.priorityClassName } : {}),
  };
}

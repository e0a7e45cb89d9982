/**
 * The `kubernetes` browser source: the browser pods of a BrowserPool, found
 * through the EndpointSlices of its headless Service (a label selector, by
 * default `kubernetes.io/service-name=<service>`), watched with an informer
 * that relists and restarts with backoff. Each ready endpoint is reached
 * through its pod's sidecar CDP gateway (`http://<pod ip>:<gateway port>`),
 * presenting the shared secret in `x-nightglow-cdp-secret`. A pod that leaves
 * the slices is reported gone (its sessions fail); one that stops answering is
 * probed again and re-offered.
 */
import type { V1EndpointSlice } from '@kubernetes/client-node';
import type { Clock, Logger, TimerHandle } from '@nightglow/runtime';
import type { KubernetesSourceConfig } from '../pools/pool-config.js';
import { probeBackoffMs, resolveBrowserWsUrl } from './resolve-endpoint.js';
import type { BrowserEndpoint, BrowserSource, SourceListener } from './source.js';

/** The header the sidecar's CDP gateway reads its shared secret from. */
export const GATEWAY_SECRET_HEADER = 'x-nightglow-cdp-secret';

/** Options of {@link createKubeSource}. */
export type KubeSourceOptions = {
  readonly config: KubernetesSourceConfig;
  /** A kubeconfig file; in-cluster service account when undefined. */
  readonly kubeconfigPath: string | undefined;
  readonly gatewaySecret: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How the broker dials a pod's gateway; default `http://<address>:<port>` (the pod network). */
  readonly dial?: (address: string, port: number) => string;
};

type Discovered = {
  readonly id: string;
  readonly url: string;
  readonly sidecarAddress: string;
  readonly podName: string;
};

const defaultDial = (address: string, port: number): string =>
  `http://${address.includes(':') ? `[${address}]` : address}:${port}`;

/** The ready endpoints of `slices` (pod name as id, else the address). */
export function endpointsOf(
  slices: readonly V1EndpointSlice[],
  c: KubernetesSourceConfig,
  dial: (address: string, port: number) => string = defaultDial,
): Discovered[] {
  const out: Discovered[] = [];
  for (const slice of slices) {
    const port = slice.ports?.find((p) => p.name === c.portName)?.port ?? c.port;
    for (const ep of slice.endpoints) {
      const address = ep.addresses[0];
      if (address === undefined || ep.conditions?.ready === false) continue;
      const host = address.includes(':') ? `[${address}]` : address;
      const podName = ep.targetRef?.kind === 'Pod' ? (ep.targetRef.name ?? '') : '';
      out.push({
        id: podName || address,
        url: dial(address, port),
        sidecarAddress: c.sidecarPort > 0 ? `${host}:${c.sidecarPort}` : '',
        podName,
      });
    }
  }
  return out;
}

/** Creates the source of one kubernetes pool. */
export function createKubeSource(opts: KubeSourceOptions): BrowserSource {
  const c = opts.config;
  const headers = { [GATEWAY_SECRET_HEADER]: opts.gatewaySecret };
  const offered = new Map<string, Discovered>();
  const timers = new Map<string, TimerHandle>();
  let desired = new Map<string, Discovered>();
  let listener: SourceListener | undefined;
  let stopInformer: () => Promise<void> = () => Promise.resolve();
  let closed = false;

  // An endpoint is still wanted while the slices name the same address for it (a relist makes new objects).
  const wanted = (d: Discovered): boolean => !closed && desired.get(d.id)?.url === d.url;
  const probe = (d: Discovered, attempt: number): void => {
    if (!wanted(d)) return;
    resolveBrowserWsUrl(d.url, headers).then(
      (wsUrl) => {
        if (!wanted(d) || offered.has(d.id)) return;
        offered.set(d.id, d);
        opts.logger.debug({ browser: d.id }, 'browser pod answers');
        const endpoint: BrowserEndpoint = {
          id: d.id,
          wsUrl,
          headers,
          podName: d.podName,
          sidecarAddress: d.sidecarAddress,
        };
        listener?.added(endpoint);
      },
      (e: unknown) => {
        opts.logger.debug({ err: e, browser: d.id }, 'browser pod not answering yet');
        timers.set(
          d.id,
          opts.clock.setTimeout(() => probe(d, attempt + 1), probeBackoffMs(attempt)),
        );
      },
    );
  };
  const reconcile = (slices: readonly V1EndpointSlice[]): void => {
    const next = new Map(endpointsOf(slices, c, opts.dial).map((d) => [d.id, d]));
    opts.logger.debug({ slices: slices.length, endpoints: [...next.keys()] }, 'EndpointSlices changed');
    for (const [id] of offered) {
      if (next.get(id)?.url === offered.get(id)?.url) continue;
      offered.delete(id);
      listener?.removed(id, `browser pod ${id} left the pool`, true);
    }
    const previous = desired;
    desired = next;
    for (const [id, d] of next) if (!offered.has(id) && previous.get(id)?.url !== d.url) probe(d, 0);
  };
  const watch = async (attempt: number): Promise<void> => {
    // Loaded on first use: the client costs ~80 MB of memory, paid only by brokers with a kubernetes pool.
    const { DiscoveryV1Api, KubeConfig, makeInformer } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    if (opts.kubeconfigPath !== undefined) kc.loadFromFile(opts.kubeconfigPath);
    else kc.loadFromCluster();
    const api = kc.makeApiClient(DiscoveryV1Api);
    const path = `/apis/discovery.k8s.io/v1/namespaces/${c.namespace}/endpointslices`;
    const list = () => api.listNamespacedEndpointSlice({ namespace: c.namespace, labelSelector: c.labelSelector });
    const informer = makeInformer(kc, path, list, c.labelSelector);
    const sync = (): void => reconcile(informer.list());
    informer.on('add', sync);
    informer.on('update', sync);
    informer.on('delete', sync);
    informer.on('error', (e: unknown) => {
      if (closed) return; // stopping aborts the watch: not a failure
      opts.logger.warn(
        { err: e, namespace: c.namespace, selector: c.labelSelector },
        'EndpointSlice watch failed; restarting',
      );
      opts.clock.setTimeout(() => void watch(attempt + 1).catch(() => undefined), probeBackoffMs(attempt));
    });
    stopInformer = () => informer.stop();
    await informer.start();
    sync();
  };
  return {
    kind: 'kubernetes',
    canLaunch: false,
    async start(l) {
      listener = l;
      await watch(0);
    },
    launch: () => Promise.reject(new Error('a kubernetes pool cannot launch browsers')),
    release(id) {
      offered.delete(id);
      const d = desired.get(id);
      if (d !== undefined && !closed)
        timers.set(
          id,
          opts.clock.setTimeout(() => probe(d, 1), probeBackoffMs(0)),
        );
      return Promise.resolve();
    },
    memoryBytes: () => undefined,
    async close() {
      closed = true;
      for (const t of timers.values()) t.cancel();
      await stopInformer();
    },
  };
}

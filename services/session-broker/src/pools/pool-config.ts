/**
 * Pool configuration: the typed shape every pool has after validation, and the
 * built-in default (one local pool named `default`). The file format and its
 * parser live in `pool-file.ts`.
 */
import type { EffectiveOptions } from '../sessions/record.js';

/** Session defaults of a pool; unset fields fall back to the broker's built-in defaults. */
export type PoolDefaults = Partial<EffectiveOptions>;

/** The broker launches and supervises Chromium on its own host. */
export type LocalSourceConfig = {
  readonly kind: 'local';
  /** Idle browsers kept launched and ready (warm). */
  readonly prewarm: number;
  /** A browser that served this many sessions is drained and replaced; 0 = never. */
  readonly recycleAfterSessions: number;
  /** A browser whose process tree uses more resident memory than this is drained; 0 = no budget. */
  readonly memoryBudgetBytes: number;
  /** Extra Chromium flags. */
  readonly extraArgs: readonly string[];
  /** An idle browser above the prewarm target is stopped after this long (ms). */
  readonly idleBrowserMs: number;
};

/** One configured CDP endpoint of a static pool. */
export type StaticEndpoint = {
  readonly id: string;
  /** `http(s)://host:port` (resolved through `/json/version`) or `ws(s)://…/devtools/browser/<id>`. */
  readonly url: string;
  /** Extra handshake headers, e.g. a gateway's shared secret. */
  readonly headers: Readonly<Record<string, string>>;
  /** gRPC address of the browser's instrumentation sidecar, if any. */
  readonly sidecarAddress: string;
};

/** A fixed list of CDP endpoints. */
export type StaticSourceConfig = { readonly kind: 'static'; readonly endpoints: readonly StaticEndpoint[] };

/** Browser pods of a BrowserPool, found through EndpointSlices and reached through each pod's CDP gateway. */
export type KubernetesSourceConfig = {
  readonly kind: 'kubernetes';
  readonly namespace: string;
  /** Label selector of the EndpointSlices, e.g. `kubernetes.io/service-name=search-browsers`. */
  readonly labelSelector: string;
  /** Name of the gateway port in the slices (`cdp-gateway`); when no port has it, `port` is used. */
  readonly portName: string;
  readonly port: number;
  /** gRPC port of the sidecar on the pod (for AttachSession); 0 = no sidecar. */
  readonly sidecarPort: number;
};

/** Where a pool's browsers come from. */
export type SourceConfig = LocalSourceConfig | StaticSourceConfig | KubernetesSourceConfig;

/** A validated pool. */
export type PoolConfig = {
  /** DNS-1123 label. */
  readonly name: string;
  readonly source: SourceConfig;
  /** Sessions holding capacity (STARTING, READY, CLOSING) at most, per broker replica. */
  readonly maxSessions: number;
  /** Requests waiting at most; 0 = never queue. */
  readonly maxQueued: number;
  /** CONTEXT sessions sharing one browser at most. */
  readonly sessionsPerBrowser: number;
  /** Upper bound of a session's lifetime including extensions, ms; 0 = none. */
  readonly maxTtlMs: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly defaults: PoolDefaults;
};

/** The broker's built-in session defaults (used where neither request nor pool says otherwise). */
export const BUILTIN_DEFAULTS: EffectiveOptions = {
  isolation: 'CONTEXT',
  ttlMs: 10 * 60_000,
  idleTimeoutMs: 2 * 60_000,
  queueTimeoutMs: 30_000,
  startUrl: '',
  waitUntil: 'LOAD',
  viewport: { width: 1280, height: 720, deviceScaleFactor: 1, isMobile: false, hasTouch: false, isLandscape: false },
  userAgent: '',
  locale: '',
  timezoneId: '',
  proxyServer: '',
};

/** Defaults of a local source. */
export const LOCAL_SOURCE_DEFAULTS: LocalSourceConfig = {
  kind: 'local',
  prewarm: 1,
  recycleAfterSessions: 100,
  memoryBudgetBytes: 2 * 1024 ** 3,
  extraArgs: [],
  idleBrowserMs: 60_000,
};

/** The pool used when no pool file is configured: `default`, local Chromium, 10 sessions, 5 per browser. */
export function defaultPools(): PoolConfig[] {
  return [
    {
      name: 'default',
      source: LOCAL_SOURCE_DEFAULTS,
      maxSessions: 10,
      maxQueued: 100,
      sessionsPerBrowser: 5,
      maxTtlMs: 0,
      labels: {},
      defaults: {},
    },
  ];
}

/**
 * The browser-endpoint port. A pool gets its browsers from one source:
 * `local` (launches Chromium here), `static` (configured endpoints) or
 * `kubernetes` (browser pods found through EndpointSlices). The pool's fleet
 * (`pools/browser-fleet.ts`) connects to each endpoint, places sessions and
 * reports back what it no longer uses.
 */

/** How the broker reaches one browser over CDP. */
export type BrowserEndpoint = {
  /** Stable id within the broker, e.g. `local-3`, `static-0` or a pod name. */
  readonly id: string;
  /** The browser target's WebSocket, `ws://…/devtools/browser/<id>`. */
  readonly wsUrl: string;
  /** Handshake headers, e.g. the CDP gateway's shared secret. */
  readonly headers: Readonly<Record<string, string>>;
  /** Kubernetes pod name; empty elsewhere. */
  readonly podName: string;
  /** gRPC address of the instrumentation sidecar attached to this browser; empty if none. */
  readonly sidecarAddress: string;
};

/** What a source tells its fleet. */
export type SourceListener = {
  /** A discovered endpoint appeared or came back (static, kubernetes). */
  added(endpoint: BrowserEndpoint): void;
  /**
   * An endpoint is gone. `crashed`: it went away unasked (process exit, pod deleted);
   * `message` says how, e.g. "browser process exited with signal SIGKILL".
   */
  removed(id: string, message: string, crashed: boolean): void;
};

/** Options of a local launch. */
export type LaunchOptions = {
  /** The id the fleet gave the browser, e.g. `local-3`. */
  readonly id: string;
  /** `--proxy-server` of a dedicated browser; empty for none. */
  readonly proxyServer: string;
};

/** A pool's source of browsers. */
export type BrowserSource = {
  readonly kind: 'local' | 'static' | 'kubernetes';
  /** Starts discovery (or, locally, reaps orphans); endpoints arrive through `listener`. */
  start(listener: SourceListener): Promise<void>;
  /** Whether `launch` is available (local only). */
  readonly canLaunch: boolean;
  /** Launches a new browser (local only); rejects with UNAVAILABLE. */
  launch(options: LaunchOptions): Promise<BrowserEndpoint>;
  /**
   * The fleet is done with `id`: a local browser is stopped (resolves once no process of it
   * is left); a discovered endpoint is probed again and re-added when it answers.
   */
  release(id: string): Promise<void>;
  /** Resident memory of a local browser's processes, in bytes; undefined elsewhere. */
  memoryBytes(id: string): number | undefined;
  /** Stops discovery and every local browser. */
  close(): Promise<void>;
};

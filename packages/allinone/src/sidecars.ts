/**
 * One instrumentation sidecar per local browser, as on Kubernetes where each
 * browser pod carries its sidecar: a decorator of the broker's browser source
 * that attaches a sidecar to every browser the pool launches (its address goes
 * into the endpoint, so the broker's AttachSession and the executor's phase
 * marks reach it) and stops it before the browser is released, or when the
 * browser dies.
 */
import type { BrowserEndpoint, BrowserSource, PoolConfig, SourceListener } from '@nightglow/session-broker';

/** A sidecar attached to one browser. */
export type AttachedSidecar = {
  /** The browser's id in the broker, e.g. `local-3`. */
  readonly browserId: string;
  /** gRPC `host:port` (the broker and executor call it). */
  readonly grpc: string;
  /** `http://host:port` (metrics, health). */
  readonly http: string;
  stop(): Promise<void>;
};

/** Starts a sidecar on `endpoint`'s browser. */
export type SidecarLauncher = (endpoint: BrowserEndpoint, pool: string) => Promise<AttachedSidecar>;

/** The live sidecars of every decorated pool. */
export type SidecarRegistry = {
  /** Sidecars attached now, by browser id. */
  list(): readonly AttachedSidecar[];
  /** Wraps a pool's source (the broker's `decorateSource` override). */
  decorate(source: BrowserSource, pool: PoolConfig): BrowserSource;
};

/** Creates the registry; `onStopError` hears a sidecar that did not stop cleanly. */
export function createSidecarRegistry(
  launch: SidecarLauncher,
  onStopError: (browserId: string, error: unknown) => void,
): SidecarRegistry {
  const live = new Map<string, AttachedSidecar>();
  const stop = async (browserId: string): Promise<void> => {
    const sidecar = live.get(browserId);
    if (sidecar === undefined) return;
    live.delete(browserId);
    await sidecar.stop().catch((e: unknown) => onStopError(browserId, e));
  };
  const decorate = (source: BrowserSource, pool: PoolConfig): BrowserSource => {
    if (!source.canLaunch) return source; // static/kubernetes endpoints bring their own sidecars
    const owned = new Set<string>();
    return {
      kind: source.kind,
      canLaunch: source.canLaunch,
      start: (listener: SourceListener) =>
        source.start({
          added: (endpoint) => listener.added(endpoint),
          removed: (id, message, crashed) => {
            owned.delete(id);
            void stop(id);
            listener.removed(id, message, crashed);
          },
        }),
      launch: async (options) => {
        const endpoint = await source.launch(options);
        let sidecar: AttachedSidecar;
        try {
          sidecar = await launch(endpoint, pool.name);
        } catch (e) {
          await source.release(endpoint.id);
          throw e;
        }
        live.set(endpoint.id, sidecar);
        owned.add(endpoint.id);
        return { ...endpoint, sidecarAddress: sidecar.grpc };
      },
      release: async (id) => {
        owned.delete(id);
        await stop(id);
        await source.release(id);
      },
      memoryBytes: (id) => source.memoryBytes(id),
      close: async () => {
        await Promise.all([...owned].map((id) => stop(id)));
        owned.clear();
        await source.close();
      },
    };
  };
  return { list: () => [...live.values()], decorate };
}

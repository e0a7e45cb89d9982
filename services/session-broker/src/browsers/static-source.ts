/**
 * The `static` browser source: a configured list of CDP endpoints. Each is
 * probed until it answers, then offered to the fleet; an endpoint the fleet
 * gives back (its connection dropped) is probed again with backoff and
 * re-offered when it answers. The broker never launches or stops these browsers.
 */
import type { Clock, TimerHandle } from '@nightglow/runtime';
import type { StaticEndpoint } from '../pools/pool-config.js';
import { probeBackoffMs, resolveBrowserWsUrl } from './resolve-endpoint.js';
import type { BrowserSource, SourceListener } from './source.js';

/** Options of {@link createStaticSource}. */
export type StaticSourceOptions = {
  readonly endpoints: readonly StaticEndpoint[];
  readonly clock: Clock;
  /** Resolves an address to its WebSocket URL (default: `/json/version`); a port for tests. */
  readonly resolve?: typeof resolveBrowserWsUrl;
  readonly onProbeError?: (id: string, error: unknown) => void;
};

/** Creates a static source. */
export function createStaticSource(opts: StaticSourceOptions): BrowserSource {
  const resolve = opts.resolve ?? resolveBrowserWsUrl;
  const timers = new Map<string, TimerHandle>();
  let listener: SourceListener | undefined;
  let closed = false;
  const probe = (endpoint: StaticEndpoint, attempt: number): void => {
    if (closed) return;
    resolve(endpoint.url, endpoint.headers).then(
      (wsUrl) => {
        if (closed) return;
        const { id, headers, sidecarAddress } = endpoint;
        listener?.added({ id, wsUrl, headers, podName: '', sidecarAddress });
      },
      (error: unknown) => {
        opts.onProbeError?.(endpoint.id, error);
        timers.set(
          endpoint.id,
          opts.clock.setTimeout(() => probe(endpoint, attempt + 1), probeBackoffMs(attempt)),
        );
      },
    );
  };
  return {
    kind: 'static',
    canLaunch: false,
    start(l) {
      listener = l;
      for (const endpoint of opts.endpoints) probe(endpoint, 0);
      return Promise.resolve();
    },
    launch: () => Promise.reject(new Error('a static pool cannot launch browsers')),
    release(id) {
      const endpoint = opts.endpoints.find((e) => e.id === id);
      if (endpoint !== undefined && !closed) {
        timers.set(
          id,
          opts.clock.setTimeout(() => probe(endpoint, 1), probeBackoffMs(0)),
        );
      }
      return Promise.resolve();
    },
    memoryBytes: () => undefined,
    close() {
      closed = true;
      for (const t of timers.values()) t.cancel();
      return Promise.resolve();
    },
  };
}

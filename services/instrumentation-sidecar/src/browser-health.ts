/**
 * `/browser/healthz`: the browser container's probe, answered by the sidecar.
 * Chromium's DevTools listens on the pod's loopback only, so kubelet cannot
 * probe it; the operator's pod template points the browser's startup and
 * liveness probes at this path on the sidecar's `HTTP_PORT` instead. Healthy
 * means the browser's loopback CDP endpoint answers `GET /json/version` within
 * the timeout — a crashed, killed or frozen browser is not.
 */
import { fetchBrowserVersion } from '@nightglow/cdp';

/** The HTTP path of the browser's probe on the sidecar's `HTTP_PORT`. */
export const BROWSER_HEALTH_PATH = '/browser/healthz';

/** How long the browser has to answer `/json/version`, ms (below the probe's 2 s `timeoutSeconds`). */
export const BROWSER_HEALTH_TIMEOUT_MS = 1000;

/**
 * The browser's HTTP debugging endpoint (`http://host:port`) for a `CDP_URL`,
 * which may also be the browser's WebSocket URL (`ws://host:port/devtools/browser/<id>`).
 */
export function debuggingEndpoint(cdpUrl: string): string {
  const url = new URL(cdpUrl);
  const protocol = url.protocol === 'wss:' || url.protocol === 'https:' ? 'https:' : 'http:';
  return `${protocol}//${url.host}`;
}

/**
 * A check for {@link BROWSER_HEALTH_PATH}: resolves undefined when the browser at
 * `cdpUrl` answers `/json/version` within `timeoutMs` (default
 * {@link BROWSER_HEALTH_TIMEOUT_MS}), else the reason (unreachable, timed out,
 * a bad answer). Never rejects.
 */
export function createBrowserHealthCheck(
  cdpUrl: string,
  timeoutMs = BROWSER_HEALTH_TIMEOUT_MS,
): () => Promise<string | undefined> {
  const endpoint = debuggingEndpoint(cdpUrl);
  return async () => {
    try {
      await fetchBrowserVersion(endpoint, { timeoutMs });
      return undefined;
    } catch (error) {
      const cause = error instanceof Error ? error.cause : undefined;
      if (cause instanceof Error && cause.name === 'TimeoutError')
        return `browser at ${endpoint} did not answer /json/version within ${timeoutMs} ms`;
      return error instanceof Error ? `browser: ${error.message}` : `browser: ${String(error)}`;
    }
  };
}

import { createCdpConnection, type CdpConnection, type CdpConnectionOptions } from './connection.js';
import { CdpError } from './errors.js';
import { connectWebSocketTransport, type WebSocketTransportOptions } from './ws-transport.js';

/** Options of {@link connectBrowser}: the connection's and the WebSocket's, plus discovery. */
export type ConnectBrowserOptions = CdpConnectionOptions &
  WebSocketTransportOptions & {
    /** Timeout of the `GET /json/version` lookup for an HTTP endpoint, in ms. Default 10 000. */
    readonly discoveryTimeoutMs?: number;
  };

/** The fields of Chromium's `GET /json/version` this client reads. */
export type BrowserVersionInfo = {
  readonly Browser: string;
  readonly 'Protocol-Version': string;
  readonly webSocketDebuggerUrl: string;
};

function endpointLabel(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

/**
 * Asks a browser's HTTP debugging endpoint (`http://host:port`) for its
 * `/json/version` and returns it. Rejects with `CONNECT` when the endpoint cannot
 * be reached, answers non-2xx, or names no `webSocketDebuggerUrl`.
 */
export async function fetchBrowserVersion(
  httpEndpoint: string,
  options: { timeoutMs?: number; headers?: Readonly<Record<string, string>> } = {},
): Promise<BrowserVersionInfo> {
  const url = new URL('/json/version', httpEndpoint);
  const label = endpointLabel(url);
  let response: Response;
  try {
    response = await fetch(url, {
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      ...(options.headers === undefined ? {} : { headers: { ...options.headers } }),
    });
  } catch (error) {
    throw new CdpError({ code: 'CONNECT', message: `cannot reach ${label}/json/version`, cause: error });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new CdpError({ code: 'CONNECT', message: `${label}/json/version answered HTTP ${response.status}` });
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch (error) {
    throw new CdpError({ code: 'CONNECT', message: `${label}/json/version is not JSON`, cause: error });
  }
  const info = body as Partial<BrowserVersionInfo> | null;
  if (typeof info?.webSocketDebuggerUrl !== 'string') {
    throw new CdpError({ code: 'CONNECT', message: `${label}/json/version names no webSocketDebuggerUrl` });
  }
  return info as BrowserVersionInfo;
}

/**
 * Connects to a browser target and resolves with an `OPEN` {@link CdpConnection}.
 * `endpoint` is either the browser's WebSocket URL (`ws://host:port/devtools/browser/<id>`)
 * or its HTTP debugging endpoint (`http://host:port`), which is resolved through
 * `/json/version` first. Rejects with a `CONNECT` {@link CdpError}.
 */
export async function connectBrowser(endpoint: string, options: ConnectBrowserOptions = {}): Promise<CdpConnection> {
  let parsed: URL;
  try {
    parsed = new URL(endpoint);
  } catch (error) {
    throw new CdpError({ code: 'INVALID_ARGUMENT', message: 'CDP endpoint is not a URL', cause: error });
  }
  let wsUrl = endpoint;
  if (parsed.protocol === 'http:' || parsed.protocol === 'https:') {
    const info = await fetchBrowserVersion(endpoint, {
      ...(options.discoveryTimeoutMs === undefined ? {} : { timeoutMs: options.discoveryTimeoutMs }),
      ...(options.headers === undefined ? {} : { headers: options.headers }),
    });
    wsUrl = info.webSocketDebuggerUrl;
  } else if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    const message = `CDP endpoint must be ws(s):// or http(s)://, got ${parsed.protocol}`;
    throw new CdpError({ code: 'INVALID_ARGUMENT', message });
  }
  const transport = await connectWebSocketTransport(wsUrl, options);
  try {
    return createCdpConnection(transport, options);
  } catch (error) {
    transport.close(); // refused options: do not leak the socket
    throw error;
  }
}

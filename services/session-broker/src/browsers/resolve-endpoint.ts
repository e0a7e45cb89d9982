/**
 * Turns a configured or discovered CDP address into the browser target's
 * WebSocket URL. An `http(s)://host:port` address is asked for `/json/version`;
 * the WebSocket URL it names is rewritten onto the address the broker used
 * (`host:port`, ws/wss), because a browser behind a gateway or a port mapping
 * only knows its own loopback address.
 */
import { fetchBrowserVersion } from '@nightglow/cdp';

/** Resolves `url` to `ws(s)://…/devtools/browser/<id>`; rejects with the cdp package's CONNECT error. */
export async function resolveBrowserWsUrl(
  url: string,
  headers: Readonly<Record<string, string>>,
  timeoutMs = 5_000,
): Promise<string> {
  const base = new URL(url);
  if (base.protocol === 'ws:' || base.protocol === 'wss:') return url;
  const info = await fetchBrowserVersion(url, { timeoutMs, headers });
  const ws = new URL(info.webSocketDebuggerUrl);
  ws.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  ws.host = base.host;
  return ws.toString();
}

/** A retry schedule: 0.5 s doubling to 30 s. */
export function probeBackoffMs(attempt: number): number {
  return Math.min(30_000, 500 * 2 ** Math.min(attempt, 10));
}

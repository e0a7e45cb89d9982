/**
 * The `--health-probe-bind-address` listener: `/healthz` (the process is
 * alive) and `/readyz` (the manager is ready: a standby, or a leader whose
 * caches synced). A second listener of its own until the runtime can bind
 * its probes to a separate address (see the operator README).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BindAddress } from '../config.js';

/** A running probe listener. */
export type ProbeServer = { readonly port: number; close(): Promise<void> };

/** Serves the probes on `address` until closed. */
export async function startProbeServer(address: BindAddress, ready: () => boolean): Promise<ProbeServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const ok = path === '/healthz' ? true : path === '/readyz' ? ready() : undefined;
    res.writeHead(ok === undefined ? 404 : ok ? 200 : 503, { 'content-type': 'text/plain' });
    res.end(ok === undefined ? 'not found\n' : ok ? 'ok\n' : 'not ready\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

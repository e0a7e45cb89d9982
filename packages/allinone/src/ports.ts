/**
 * The ports of an all-in-one platform: the services' standard ports (the same
 * as in the chart and Compose, so `--endpoint http://127.0.0.1` finds them),
 * or free ones. A standard port already taken stops the start with a message
 * saying which service wanted it.
 */
import { createServer } from 'node:net';

/** The listeners of a platform, by name. */
export type PortPlan = {
  readonly brokerGrpc: number;
  readonly brokerHttp: number;
  readonly executorGrpc: number;
  readonly executorHttp: number;
  readonly recordStoreGrpc: number;
  readonly recordStoreHttp: number;
  readonly operatorMetrics: number;
  readonly operatorProbes: number;
  readonly demoSite: number;
};

/** The standard ports of every listener. */
export const STANDARD_PORTS: PortPlan = {
  brokerGrpc: 50051,
  brokerHttp: 8081,
  executorGrpc: 50052,
  executorHttp: 8082,
  recordStoreGrpc: 50054,
  recordStoreHttp: 8084,
  operatorMetrics: 8090,
  operatorProbes: 8091,
  demoSite: 8088,
};

const WHO: Record<keyof PortPlan, string> = {
  brokerGrpc: 'session broker gRPC',
  brokerHttp: 'session broker HTTP',
  executorGrpc: 'task executor gRPC',
  executorHttp: 'task executor HTTP',
  recordStoreGrpc: 'record store gRPC',
  recordStoreHttp: 'record store HTTP',
  operatorMetrics: 'operator metrics',
  operatorProbes: 'operator probes',
  demoSite: 'demo site',
};

/** A standard port another process holds. */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly listener: string,
  ) {
    super(`port ${port} (${listener}) is in use: stop what holds it, or start with --ports ephemeral`);
    this.name = 'PortInUseError';
  }
}

/** Resolves with a port the OS considers free on `host` (bound and released at once). */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function probe(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** The ports to use: the standard ones (each checked free) or free ones. */
export async function planPorts(
  host: string,
  mode: 'standard' | 'ephemeral',
  needed: readonly (keyof PortPlan)[] = Object.keys(STANDARD_PORTS) as (keyof PortPlan)[],
  standard: PortPlan = STANDARD_PORTS,
): Promise<PortPlan> {
  const plan: Record<keyof PortPlan, number> = { ...standard };
  const taken = new Set<number>();
  for (const key of needed) {
    if (mode === 'standard') {
      if (!(await probe(host, plan[key]))) throw new PortInUseError(plan[key], WHO[key]);
      continue;
    }
    let port = await freePort(host);
    while (taken.has(port)) port = await freePort(host);
    taken.add(port);
    plan[key] = port;
  }
  return plan;
}

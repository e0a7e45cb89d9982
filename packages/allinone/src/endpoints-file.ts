/**
 * `<home>/endpoints.json`: where a running all-in-one platform listens, for
 * the CLI (which reads it when no `--endpoint` is given) and for people. It is
 * written once the platform is ready (mode 0600: it may hold an API key) and
 * removed when the platform stops.
 */
import { mkdir, readFile, rm, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

/** A service's two listeners. */
export type ServiceEndpoint = {
  /** `host:port` of native gRPC (grpcurl, grpc clients). */
  readonly grpc: string;
  /** `http://host:port`: Connect, gRPC-Web, /metrics, /healthz. */
  readonly http: string;
};

/** The content of `endpoints.json` (version 1). */
export type PlatformEndpoints = {
  readonly version: 1;
  readonly pid: number;
  readonly mode: 'in-process' | 'processes';
  readonly startedAt: string;
  readonly services: {
    readonly broker: ServiceEndpoint;
    readonly executor: ServiceEndpoint;
    /** `apiKey`: the record store's admin key when the platform listens beyond loopback (auth is off on loopback). */
    readonly recordStore: ServiceEndpoint & { readonly apiKey?: string };
    /** One per browser, in launch order (browsers come and go in in-process mode: this is the state at start). */
    readonly sidecars: readonly ServiceEndpoint[];
    /** Metrics address of the operator; absent without a kubeconfig. */
    readonly operator?: { readonly metrics: string; readonly probes: string };
  };
  /** Base URL of the demo site; absent when it is off. */
  readonly demoSite?: string;
};

/** The path of the endpoints file under `home`. */
export function endpointsPath(home: string): string {
  return join(home, 'endpoints.json');
}

/** Writes the file atomically (temp file + rename), mode 0600. */
export async function writeEndpoints(home: string, endpoints: PlatformEndpoints): Promise<string> {
  await mkdir(home, { recursive: true });
  const path = endpointsPath(home);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(endpoints, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, path);
  return path;
}

/** Removes the file if it is this process's (another platform may have replaced it). */
export async function removeEndpoints(home: string, pid = process.pid): Promise<void> {
  const current = await readEndpoints(home).catch(() => undefined);
  if (current?.pid === pid) await rm(endpointsPath(home), { force: true });
}

/** Reads the file; undefined when there is none. Throws on a malformed file. */
export async function readEndpoints(home: string): Promise<PlatformEndpoints | undefined> {
  let text: string;
  try {
    text = await readFile(endpointsPath(home), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const parsed = JSON.parse(text) as Partial<PlatformEndpoints>;
  if (parsed.version !== 1 || parsed.services === undefined)
    throw new Error(`${endpointsPath(home)}: not a version 1 endpoints file`);
  return parsed as PlatformEndpoints;
}

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { requireFile, testenvPaths } from './paths.js';
import { spawnServer } from './process-group.js';
import { freePort, waitUntilReady } from './server-support.js';

/** A running single-member etcd; `stop()` ends it (its folder belongs to the caller). */
export interface EtcdServer {
  /** `http://127.0.0.1:<port>`, for `--etcd-servers`. */
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

async function healthy(url: string): Promise<boolean> {
  const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
  if (!response.ok) return false;
  const body = (await response.json()) as { health?: string };
  return body.health === 'true';
}

/**
 * Starts the cached etcd (built by install.sh) with its data in `<dir>/etcd`, client
 * and peer URLs on free 127.0.0.1 ports and fsync off (`--unsafe-no-fsync`: test
 * data is throwaway). Resolves once `/health` reports true.
 */
export async function startEtcd(dir: string): Promise<EtcdServer> {
  const binary = requireFile('etcd', testenvPaths().etcd);
  const dataDir = join(dir, 'etcd');
  mkdirSync(dataDir, { mode: 0o700 });
  const logFile = join(dir, 'etcd.log');
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name=nightglow',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${url}`,
    `--advertise-client-urls=${url}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=nightglow=${peer}`,
    '--initial-cluster-state=new',
    '--unsafe-no-fsync',
    '--log-level=warn',
  ];
  const proc = spawnServer({ command: binary, args, logFile, cwd: dir, orphanDir: dir });
  await waitUntilReady({ what: 'etcd', proc, logFile, check: () => healthy(url), timeoutMs: 30_000 });
  return {
    url,
    pid: proc.pid,
    stop: () => proc.kill('SIGTERM', 10_000),
  };
}

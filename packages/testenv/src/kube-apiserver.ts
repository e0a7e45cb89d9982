import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startEtcd, type EtcdServer } from './etcd.js';
import { requireFile, testenvPaths } from './paths.js';
import { spawnServer, type ServerProcess } from './process-group.js';
import { createServerDir, freePort, orCleanup, removeServerDir, waitUntilReady } from './server-support.js';

/**
 * A running kube-apiserver backed by its own etcd. There is no controller-manager,
 * scheduler or kubelet: objects are stored and validated, nothing reconciles them.
 */
export interface KubeApiserver {
  /** `https://127.0.0.1:<port>` (never `localhost`: the serving cert has no such name). */
  readonly url: string;
  /** Bearer token of an admin in `system:masters`. */
  readonly token: string;
  /** The apiserver's self-signed serving certificate, to trust as the CA. */
  readonly caFile: string;
  /** A kubeconfig (context `nightglow`) for url + token + caFile. */
  readonly kubeconfigPath: string;
  readonly etcdUrl: string;
  readonly pid: number;
  /** Stops the apiserver, then etcd, and removes the folder. */
  stop(): Promise<void>;
}

/** GET `path` on the apiserver with the token, trusting `caFile`; resolves the body. */
function get(url: string, path: string, token: string, caFile: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, url),
      { ca: readFileSync(caFile), headers: { authorization: `Bearer ${token}` }, timeout: 2_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Writes a kubeconfig for `url` with `token`, trusting `caFile`. */
export function writeKubeconfig(file: string, cluster: { url: string; token: string; caFile: string }): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'nightglow', cluster: { server: cluster.url, 'certificate-authority': cluster.caFile } }],
    users: [{ name: 'admin', user: { token: cluster.token } }],
    contexts: [{ name: 'nightglow', context: { cluster: 'nightglow', user: 'admin', namespace: 'default' } }],
    'current-context': 'nightglow',
  };
  writeFileSync(file, stringify(config), { mode: 0o600 });
}

function apiserverArgs(dir: string, port: number, etcdUrl: string): string[] {
  const url = `https://127.0.0.1:${port}`;
  return [
    `--etcd-servers=${etcdUrl}`,
    `--cert-dir=${join(dir, 'certs')}`,
    `--secure-port=${port}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    '--endpoint-reconciler-type=none',
    `--service-account-issuer=${url}`,
    `--service-account-key-file=${join(dir, 'sa.key')}`,
    `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
    '--authorization-mode=RBAC',
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    '--disable-admission-plugins=ServiceAccount',
    '--service-cluster-ip-range=10.0.0.0/24',
    '--allow-privileged=true',
  ];
}

/**
 * Starts etcd and the cached kube-apiserver (built by install.sh) on free
 * 127.0.0.1 ports, with token auth for one admin and RBAC. Resolves once
 * `/readyz` answers `ok` to that admin over TLS verified against `caFile`.
 */
export async function startKubeApiserver(): Promise<KubeApiserver> {
  const binary = requireFile('kube-apiserver', testenvPaths().kubeApiserver);
  const dir = createServerDir('kube');
  let etcd: EtcdServer | undefined;
  let proc: ServerProcess | undefined;
  const cleanup = async (): Promise<void> => {
    await proc?.kill('SIGTERM', 10_000).catch(() => undefined);
    await etcd?.stop().catch(() => undefined);
    removeServerDir(dir);
  };
  return orCleanup(async () => {
    etcd = await startEtcd(dir);
    const port = await freePort();
    const url = `https://127.0.0.1:${port}`;
    const token = randomBytes(24).toString('hex');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
    writeFileSync(join(dir, 'tokens.csv'), `${token},admin,admin-uid,"system:masters"\n`, { mode: 0o600 });
    mkdirSync(join(dir, 'certs'));
    const caFile = join(dir, 'certs', 'apiserver.crt');
    const logFile = join(dir, 'kube-apiserver.log');
    const started = spawnServer({
      command: binary,
      args: apiserverArgs(dir, port, etcd.url),
      logFile,
      cwd: dir,
      orphanDir: dir,
    });
    proc = started;
    const check = async (): Promise<boolean> =>
      existsSync(caFile) && (await get(url, '/readyz', token, caFile)).body === 'ok';
    await waitUntilReady({ what: 'kube-apiserver', proc: started, logFile, check, timeoutMs: 90_000, intervalMs: 100 });
    const kubeconfigPath = join(dir, 'kubeconfig.yaml');
    writeKubeconfig(kubeconfigPath, { url, token, caFile });
    const ready = etcd;
    return {
      url,
      token,
      caFile,
      kubeconfigPath,
      etcdUrl: ready.url,
      pid: started.pid,
      async stop() {
        await started.kill('SIGTERM', 10_000);
        await ready.stop();
        removeServerDir(dir);
      },
    };
  }, cleanup);
}

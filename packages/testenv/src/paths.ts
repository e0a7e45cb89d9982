import { accessSync, constants, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The one convention for finding what `scripts/testenv/install.sh` installed:
 * versions come from `scripts/testenv/versions.env` (shared with the script), the
 * cache root from `NIGHTGLOW_CACHE` (default `~/.cache/nightglow`), and every path
 * is `<cache>/<name>-<version>/...` exactly as the script lays it out.
 */
export interface TestenvPaths {
  /** Cache root: `$NIGHTGLOW_CACHE`, else `~/.cache/nightglow`. */
  readonly cacheDir: string;
  /** Versions read from `versions.env`, e.g. `KUBE_VERSION` → `v1.33.13`. */
  readonly versions: Readonly<Record<string, string>>;
  readonly kubeApiserver: string;
  readonly etcd: string;
  /** Folder of Kafka's jars (a Java classpath is `<kafkaLib>/*`). */
  readonly kafkaLib: string;
  readonly grpcurl: string;
  readonly ghz: string;
  readonly grpcHealthProbe: string;
  /** helm v3 (`HELM_VERSION`), `go install`ed into `<cache>/go-bin`. */
  readonly helm: string;
  /** The venv python that has grpcio, grpcio-tools and grpcio-reflection. */
  readonly python: string;
  /** Debian's Chromium launcher (`$NIGHTGLOW_CHROMIUM` overrides). */
  readonly chromium: string;
  readonly redisServer: string;
  /** Folder of PostgreSQL's server binaries (initdb, postgres), not on PATH in Debian. */
  readonly postgresBin: string;
  readonly java: string;
}

/** Repository root, found from this file's place (`packages/testenv/{src,dist}`). */
export function repoRoot(): string {
  return fileURLToPath(new URL('../../../', import.meta.url));
}

/** The install script; the hint in every "not installed" error names it. */
export function installScript(): string {
  return join(repoRoot(), 'scripts', 'testenv', 'install.sh');
}

/** Parses `versions.env` (plain `KEY=value` lines; `#` comments). */
export function readVersions(file = join(repoRoot(), 'scripts', 'testenv', 'versions.env')): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    const eq = line.indexOf('=');
    if (line === '' || line.startsWith('#') || eq < 0) continue;
    versions[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return versions;
}

function version(versions: Record<string, string>, key: string): string {
  const value = versions[key];
  if (value === undefined) throw new Error(`versions.env has no ${key}`);
  return value;
}

/**
 * Computes every path from the environment (default `process.env`). Pure: it checks
 * nothing on disk; pair it with {@link requireFile} before use.
 */
export function testenvPaths(env: NodeJS.ProcessEnv = process.env): TestenvPaths {
  const versions = readVersions();
  const cacheDir = env['NIGHTGLOW_CACHE'] ?? join(homedir(), '.cache', 'nightglow');
  const goBin = join(cacheDir, 'go-bin');
  const pgMajor = env['NIGHTGLOW_PG_MAJOR'] ?? '15';
  return {
    cacheDir,
    versions,
    kubeApiserver: join(cacheDir, `kube-apiserver-${version(versions, 'KUBE_VERSION')}`, 'kube-apiserver'),
    etcd: join(cacheDir, `etcd-${version(versions, 'ETCD_VERSION')}`, 'etcd'),
    kafkaLib: join(cacheDir, `kafka-${version(versions, 'KAFKA_VERSION')}`, 'lib'),
    grpcurl: join(goBin, 'grpcurl'),
    ghz: join(goBin, 'ghz'),
    grpcHealthProbe: join(goBin, 'grpc_health_probe'),
    helm: join(goBin, 'helm'),
    python: join(cacheDir, 'py-grpc-venv', 'bin', 'python'),
    chromium: env['NIGHTGLOW_CHROMIUM'] ?? '/usr/bin/chromium',
    redisServer: '/usr/bin/redis-server',
    postgresBin: `/usr/lib/postgresql/${pgMajor}/bin`,
    java: env['JAVA_HOME'] ? join(env['JAVA_HOME'], 'bin', 'java') : 'java',
  };
}

/**
 * Returns `path` if it exists (and is executable unless `kind` is `'file'`), else
 * throws `<what> not found at <path>: run \`bash scripts/testenv/install.sh\``.
 */
export function requireFile(what: string, path: string, kind: 'exec' | 'file' = 'exec'): string {
  try {
    accessSync(path, kind === 'exec' ? constants.X_OK : constants.R_OK);
    return path;
  } catch {
    throw new Error(`${what} not found at ${path}: run \`bash scripts/testenv/install.sh\``);
  }
}

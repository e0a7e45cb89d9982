/**
 * The session-broker's configuration, read once from the environment by `main.ts`
 * and validated: a bad value stops start-up with a message naming the
 * variable (pool file problems name the field too). Variables are listed in
 * this service's README.
 */
import { readFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEnvReader, readEventBusConfig, readServerConfig, readStateStoreConfig } from '@nightglow/runtime';
import type { Env, EnvReader, EventBusConfig, ServerConfig, StateStoreConfig } from '@nightglow/runtime';
import { defaultPools, type PoolConfig } from './pools/pool-config.js';
import { parsePoolFile } from './pools/pool-file.js';

/** Settings of local Chromium. */
export type LocalBrowserConfig = {
  readonly executable: string;
  /** Root of every broker's instance folder (profiles; the orphan marker). */
  readonly dataDir: string;
  readonly noSandbox: boolean;
  readonly launchTimeoutMs: number;
};

/** The validated configuration of the session-broker. */
export type BrokerConfig = {
  readonly server: ServerConfig;
  readonly bus: EventBusConfig;
  readonly state: StateStoreConfig;
  readonly redisKeyPrefix: string;
  readonly pools: readonly PoolConfig[];
  readonly local: LocalBrowserConfig;
  readonly replicaId: string;
  /** Base of session CDP URLs (`ws://host:port`); derived from the bound HTTP port when unset. */
  readonly publicCdpUrl: string | undefined;
  /** `host:port` other replicas forward CDP connections to; derived when unset. */
  readonly advertiseAddress: string | undefined;
  /** HMAC secret of session tokens; shared through the state store when unset. */
  readonly tokenSecret: string | undefined;
  readonly sessionStartTimeoutMs: number;
  readonly retentionMs: number;
  readonly reapIntervalMs: number;
  readonly gatewaySecret: string | undefined;
  readonly kubeconfigPath: string | undefined;
  /** Service credentials accepted by IssueSessionToken (`TRUSTED_CALLER_KEYS`); empty: no caller is trusted. */
  readonly trustedCallerKeys: readonly string[];
};

function readPools(r: EnvReader, readFile: (path: string) => string): PoolConfig[] {
  const path = r.optionalString('POOLS_FILE');
  const inline = r.optionalString('POOLS');
  if (path !== undefined && inline !== undefined) r.reject('POOLS', 'set either POOLS_FILE or POOLS, not both');
  if (path === undefined && inline === undefined) return defaultPools();
  const variable = path !== undefined ? 'POOLS_FILE' : 'POOLS';
  let text = inline ?? '';
  if (path !== undefined) {
    try {
      text = readFile(path);
    } catch (e) {
      r.reject('POOLS_FILE', `cannot read ${path}: ${(e as Error).message}`);
      return [];
    }
  }
  const { pools, problems } = parsePoolFile(text);
  for (const p of problems) r.reject(variable, p);
  return pools;
}

function readTrustedCallerKeys(r: EnvReader): string[] {
  const raw = r.optionalString('TRUSTED_CALLER_KEYS');
  if (raw === undefined) return [];
  const keys = raw.split(',').map((k) => k.trim());
  keys.forEach((k, i) => {
    if (k.length < 16) r.reject('TRUSTED_CALLER_KEYS', `key ${i + 1} must be at least 16 characters`);
  });
  return keys;
}

/** Reads and validates the configuration; throws ConfigError naming every bad variable. */
export function loadConfig(
  env: Env,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): BrokerConfig {
  const r = createEnvReader(env);
  const pools = readPools(r, readFile);
  const gatewaySecret = r.optionalString('CDP_GATEWAY_SECRET');
  if (pools.some((p) => p.source.kind === 'kubernetes') && gatewaySecret === undefined) {
    r.reject('CDP_GATEWAY_SECRET', 'is required when a pool has source kubernetes');
  }
  const tokenSecret = r.optionalString('TOKEN_SECRET');
  if (tokenSecret !== undefined && tokenSecret.length < 16) r.reject('TOKEN_SECRET', 'must be at least 16 characters');
  const publicCdpUrl = r.optionalUrl('PUBLIC_CDP_URL', ['ws:', 'wss:']);
  const advertise = r.optionalString('ADVERTISE_ADDRESS');
  if (advertise !== undefined && !/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/.test(advertise)) {
    r.reject('ADVERTISE_ADDRESS', `${JSON.stringify(advertise)} is not host:port`);
  }
  const config: BrokerConfig = {
    server: readServerConfig(r, { grpcPort: 50051, httpPort: 8081 }),
    bus: readEventBusConfig(r, 'session-broker'),
    state: readStateStoreConfig(r),
    redisKeyPrefix: r.string('REDIS_KEY_PREFIX', { default: 'nightglow:broker:' }),
    pools,
    local: {
      executable: r.string('CHROMIUM_PATH', { default: '/usr/bin/chromium' }),
      dataDir: r.string('LOCAL_DATA_DIR', { default: join(tmpdir(), 'nightglow-broker') }),
      noSandbox: r.bool('CHROMIUM_NO_SANDBOX', { default: process.getuid?.() === 0 }),
      launchTimeoutMs: r.durationMs('BROWSER_LAUNCH_TIMEOUT', { default: 30_000, min: 1000 }),
    },
    replicaId: r.string('REPLICA_ID', {
      default: `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    }),
    publicCdpUrl: publicCdpUrl?.replace(/\/$/, ''),
    advertiseAddress: advertise,
    tokenSecret,
    sessionStartTimeoutMs: r.durationMs('SESSION_START_TIMEOUT', { default: 30_000, min: 100 }),
    retentionMs: r.durationMs('SESSION_RETENTION', { default: 10 * 60_000 }),
    reapIntervalMs: r.durationMs('REAP_INTERVAL', { default: 1000, min: 10 }),
    gatewaySecret,
    kubeconfigPath: r.optionalString('KUBECONFIG'),
    trustedCallerKeys: readTrustedCallerKeys(r),
  };
  r.done();
  return config;
}

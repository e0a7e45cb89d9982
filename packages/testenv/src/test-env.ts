import { startKafka, type KafkaServer } from './kafka.js';
import { startKubeApiserver, type KubeApiserver } from './kube-apiserver.js';
import { startPostgres, type PostgresServer } from './postgres.js';
import { startRedis, type RedisServer } from './redis.js';
import { tools, type TestTools } from './tools.js';

/**
 * What the integration tests get from the global setup: plain JSON (it crosses
 * from the vitest main process to the workers), addresses only, no handles.
 */
export interface TestEnv {
  readonly redis: { readonly url: string; readonly host: string; readonly port: number };
  readonly postgres: {
    readonly url: string;
    readonly host: string;
    readonly port: number;
    readonly user: string;
    readonly database: string;
  };
  readonly kafka: { readonly brokers: string[] };
  readonly kube: {
    readonly url: string;
    readonly token: string;
    readonly caFile: string;
    readonly kubeconfigPath: string;
  };
  readonly tools: TestTools;
}

/** The servers behind a {@link TestEnv}; `stop()` stops all of them. */
export interface RunningTestEnv {
  readonly env: TestEnv;
  /** Seconds each server took to be ready, e.g. `{ kafka: 4.1 }`. */
  readonly startupSeconds: Readonly<Record<string, number>>;
  stop(): Promise<void>;
}

async function timed<T>(name: string, times: Record<string, number>, start: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const value = await start();
  times[name] = Math.round(performance.now() - t0) / 1000;
  return value;
}

/**
 * Starts a server, and once more if the first start fails (each start picks new
 * ports and a new folder, and cleans up after itself). Four servers booting at
 * once on a 2-core machine can lose a port or a startup deadline now and then;
 * the retry is reported on stderr, and a second failure throws both messages.
 */
export async function startWithRetry<T>(
  name: string,
  start: () => Promise<T>,
  warn: (line: string) => void = (line) => console.error(line),
): Promise<T> {
  try {
    return await start();
  } catch (first) {
    const firstMessage = first instanceof Error ? first.message : String(first);
    warn(`[testenv] ${name} failed to start, trying once more: ${firstMessage.split('\n').slice(0, 15).join('\n')}`);
    try {
      return await start();
    } catch (second) {
      const secondMessage = second instanceof Error ? second.message : String(second);
      throw new Error(`${name} failed to start twice.\nfirst: ${firstMessage}\nsecond: ${secondMessage}`, {
        cause: second,
      });
    }
  }
}

/**
 * Starts Redis, PostgreSQL, Kafka and kube-apiserver (+ etcd) in parallel and
 * resolves when all are ready (each is given a second start if its first fails,
 * see {@link startWithRetry}). If any fails, the others are stopped and the
 * first error is thrown with every failure's message.
 */
export async function startTestEnv(): Promise<RunningTestEnv> {
  const toolPaths = tools();
  const times: Record<string, number> = {};
  const results = await Promise.allSettled([
    timed('redis', times, () => startWithRetry('redis', startRedis)),
    timed('postgres', times, () => startWithRetry('postgres', startPostgres)),
    timed('kafka', times, () => startWithRetry('kafka', () => startKafka())),
    timed('kubeApiserver', times, () => startWithRetry('kube-apiserver', startKubeApiserver)),
  ] as const);
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stopAll = async (): Promise<void> => {
    const stops = await Promise.allSettled(started.map((server) => server.stop()));
    const failed = stops.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []));
    if (failed.length > 0) throw new Error(`stopping the test environment failed:\n${failed.join('\n')}`);
  };
  const [redis, postgres, kafka, kube] = results;
  if (
    redis.status !== 'fulfilled' ||
    postgres.status !== 'fulfilled' ||
    kafka.status !== 'fulfilled' ||
    kube.status !== 'fulfilled'
  ) {
    await stopAll().catch(() => undefined);
    const reasons = results.flatMap((r) =>
      r.status === 'rejected' ? [r.reason instanceof Error ? r.reason.message : String(r.reason)] : [],
    );
    throw new Error(`test environment failed to start:\n${reasons.join('\n---\n')}`);
  }
  return {
    env: toTestEnv(redis.value, postgres.value, kafka.value, kube.value, toolPaths),
    startupSeconds: times,
    stop: stopAll,
  };
}

function toTestEnv(
  redis: RedisServer,
  postgres: PostgresServer,
  kafka: KafkaServer,
  kube: KubeApiserver,
  toolPaths: TestTools,
): TestEnv {
  return {
    redis: { url: redis.url, host: redis.host, port: redis.port },
    postgres: {
      url: postgres.url,
      host: postgres.host,
      port: postgres.port,
      user: postgres.user,
      database: postgres.database,
    },
    kafka: { brokers: [...kafka.brokers] },
    kube: { url: kube.url, token: kube.token, caFile: kube.caFile, kubeconfigPath: kube.kubeconfigPath },
    tools: toolPaths,
  };
}

/** The environment as `export NAME=value` lines, for shells and benchmarks. */
export function envExports(env: TestEnv): string[] {
  const vars: Record<string, string> = {
    NIGHTGLOW_REDIS_URL: env.redis.url,
    NIGHTGLOW_POSTGRES_URL: env.postgres.url,
    NIGHTGLOW_KAFKA_BROKERS: env.kafka.brokers.join(','),
    NIGHTGLOW_KUBE_URL: env.kube.url,
    NIGHTGLOW_KUBE_TOKEN: env.kube.token,
    NIGHTGLOW_KUBE_CA_FILE: env.kube.caFile,
    KUBECONFIG: env.kube.kubeconfigPath,
    NIGHTGLOW_GRPCURL: env.tools.grpcurl,
    NIGHTGLOW_GHZ: env.tools.ghz,
    NIGHTGLOW_GRPC_HEALTH_PROBE: env.tools.grpcHealthProbe,
    NIGHTGLOW_GRPC_PYTHON: env.tools.python,
    NIGHTGLOW_CHROMIUM: env.tools.chromium,
  };
  return Object.entries(vars).map(([name, value]) => `export ${name}=${shellQuote(value)}`);
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

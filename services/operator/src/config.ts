/**
 * The operator's configuration: controller-runtime style flags plus
 * environment variables, validated once by `main.ts`. A bad flag or variable
 * stops start-up with a message naming it.
 *
 * | flag / variable | default | meaning |
 * |---|---|---|
 * | `--metrics-bind-address` | `:8080` | `/metrics` (and probes) listener, `[host]:port` |
 * | `--health-probe-bind-address` | `:8081` | `/healthz` + `/readyz` listener |
 * | `--leader-elect` | false | hold a coordination.k8s.io Lease before reconciling |
 * | `--namespace` | (all) | watch only this namespace |
 * | `--leader-elect-lease-duration` | `15s` | a standby takes over this long after the leader's last renewal |
 * | `--leader-elect-renew-deadline` | `10s` | a leader that could not renew for this long steps down |
 * | `--leader-elect-retry-period` | `2s` | how often candidates and the leader try the Lease |
 * | `--leader-election-id` | `nightglow-operator` | name of the Lease |
 * | `--leader-election-namespace` | `POD_NAMESPACE`, else `--namespace`, else `default` | namespace of the Lease |
 * | `--max-concurrent-reconciles` | `2` | workers per controller |
 * | `--sync-period` | `10m` | every object is reconciled again at least this often |
 * | `--install-crds` | false | apply the CRDs at start (all-in-one, tests); Helm installs them otherwise |
 * | `--task-record-wait` | `60s` | how long after a task finished the record store is asked (with backoff) for its sealed record before the TaskRecord is written without it (`0s`: ask once) |
 * | `POD_NAME` | hostname | leader identity prefix |
 * | `BROKER_URL` | `http://127.0.0.1:50051` | session broker gRPC URL |
 * | `EXECUTOR_URL` | `http://127.0.0.1:50052` | task executor gRPC URL |
 * | `RECORD_STORE_URL` | `http://127.0.0.1:50054` | record store gRPC URL |
 * | `RECORD_STORE_API_KEY` | — | API key sent to the record store (READER role is enough); unset when its auth is off; redacted |
 * | `KUBECONFIG` | in-cluster | kubeconfig file for out-of-cluster runs |
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { ConfigError, createEnvReader, readServerConfig, type Env, type ServerConfig } from '@nightglow/runtime';
import { durationMs } from './duration.js';

/** A secret value: `reveal()` gives it; its JSON and string forms are `[redacted]`, so logging the config never prints it. */
export type Secret = { reveal(): string; toJSON(): string; toString(): string };

/** Wraps `value` as a {@link Secret}. */
export function secret(value: string): Secret {
  return { reveal: () => value, toJSON: () => '[redacted]', toString: () => '[redacted]' };
}

/** A `[host]:port` listener address. */
export type BindAddress = { readonly host: string; readonly port: number };

/** The validated configuration of the operator. */
export type OperatorConfig = {
  readonly server: ServerConfig;
  readonly metrics: BindAddress;
  readonly healthProbe: BindAddress;
  readonly leaderElect: boolean;
  readonly namespace: string | undefined;
  readonly brokerUrl: string;
  readonly executorUrl: string;
  readonly recordStoreUrl: string;
  /** Sent as `authorization: Bearer <key>` to the record store; undefined when its auth is off. */
  readonly recordStoreApiKey: Secret | undefined;
  readonly kubeconfig: string | undefined;
  readonly leaderElection: {
    readonly leaseDurationMs: number;
    readonly renewDeadlineMs: number;
    readonly retryPeriodMs: number;
    readonly name: string;
    readonly namespace: string;
    /** `<POD_NAME or hostname>_<random>`: unique per process. */
    readonly identity: string;
  };
  readonly workers: number;
  readonly syncPeriodMs: number;
  readonly installCrds: boolean;
  /** How long after a task finished its sealed record is asked for before the TaskRecord is written without it; 0 = ask once. */
  readonly taskRecordWaitMs: number;
};

/** Parses `:8080`, `0.0.0.0:8080` or `[::1]:8080`; undefined when malformed. */
export function parseBindAddress(text: string): BindAddress | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port > 65535) return undefined;
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

function parseFlags(argv: readonly string[]): { values: Record<string, string | boolean | undefined> } {
  try {
    return parseArgs({
      args: [...argv],
      options: {
        'metrics-bind-address': { type: 'string', default: ':8080' },
        'health-probe-bind-address': { type: 'string', default: ':8081' },
        'leader-elect': { type: 'boolean', default: false },
        namespace: { type: 'string' },
        'leader-elect-lease-duration': { type: 'string', default: '15s' },
        'leader-elect-renew-deadline': { type: 'string', default: '10s' },
        'leader-elect-retry-period': { type: 'string', default: '2s' },
        'leader-election-id': { type: 'string', default: 'nightglow-operator' },
        'leader-election-namespace': { type: 'string' },
        'max-concurrent-reconciles': { type: 'string', default: '2' },
        'sync-period': { type: 'string', default: '10m' },
        'install-crds': { type: 'boolean', default: false },
        'task-record-wait': { type: 'string', default: '60s' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    throw new ConfigError([{ variable: 'command line', message: (e as Error).message }]);
  }
}

/** Reads and validates flags (`argv`, without node and script) and environment. */
export function loadConfig(env: Env, argv: readonly string[] = []): OperatorConfig {
  const { values } = parseFlags(argv);
  const r = createEnvReader(env);
  const bind = (flag: string): BindAddress => {
    const text = String(values[flag]);
    const parsed = parseBindAddress(text);
    if (!parsed) r.reject(`--${flag}`, `${JSON.stringify(text)} is not [host]:port`);
    return parsed ?? { host: '0.0.0.0', port: 0 };
  };
  const metrics = bind('metrics-bind-address');
  const healthProbe = bind('health-probe-bind-address');
  const url = (name: string, fallback: string): string => r.optionalUrl(name, ['http:', 'https:']) ?? fallback;
  const server = readServerConfig(r, { grpcPort: 0, httpPort: metrics.port });
  const span = (flag: string): number => {
    const text = String(values[flag]);
    const ms = durationMs(text);
    if (ms === undefined || ms <= 0)
      r.reject(`--${flag}`, `${JSON.stringify(text)} is not a positive duration (e.g. 15s)`);
    return ms ?? 1;
  };
  const lease = {
    leaseDurationMs: span('leader-elect-lease-duration'),
    renewDeadlineMs: span('leader-elect-renew-deadline'),
    retryPeriodMs: span('leader-elect-retry-period'),
  };
  if (lease.renewDeadlineMs >= lease.leaseDurationMs) {
    r.reject('--leader-elect-renew-deadline', 'must be shorter than --leader-elect-lease-duration');
  }
  if (lease.retryPeriodMs >= lease.renewDeadlineMs) {
    r.reject('--leader-elect-retry-period', 'must be shorter than --leader-elect-renew-deadline');
  }
  const recordWaitText = String(values['task-record-wait']);
  const taskRecordWaitMs = recordWaitText === '0' ? 0 : durationMs(recordWaitText);
  if (taskRecordWaitMs === undefined || taskRecordWaitMs < 0) {
    r.reject('--task-record-wait', `${JSON.stringify(recordWaitText)} is not a duration (e.g. 60s, or 0s)`);
  }
  const workers = Number(values['max-concurrent-reconciles']);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
    r.reject(
      '--max-concurrent-reconciles',
      `${JSON.stringify(values['max-concurrent-reconciles'])} is not an integer 1..64`,
    );
  }
  const namespace = typeof values['namespace'] === 'string' ? values['namespace'] : undefined;
  const apiKey = r.optionalString('RECORD_STORE_API_KEY');
  if (apiKey !== undefined && /\s/.test(apiKey)) r.reject('RECORD_STORE_API_KEY', 'must not contain whitespace');
  const podNamespace = r.optionalString('POD_NAMESPACE');
  const podName = r.optionalString('POD_NAME');
  const config: OperatorConfig = {
    server: { ...server, host: metrics.host, httpPort: metrics.port },
    metrics,
    healthProbe,
    leaderElect: values['leader-elect'] === true,
    namespace,
    brokerUrl: url('BROKER_URL', 'http://127.0.0.1:50051'),
    executorUrl: url('EXECUTOR_URL', 'http://127.0.0.1:50052'),
    recordStoreUrl: url('RECORD_STORE_URL', 'http://127.0.0.1:50054'),
    recordStoreApiKey: apiKey ? secret(apiKey) : undefined,
    kubeconfig: r.optionalString('KUBECONFIG'),
    leaderElection: {
      ...lease,
      name: String(values['leader-election-id']),
      namespace:
        (typeof values['leader-election-namespace'] === 'string' ? values['leader-election-namespace'] : undefined) ??
        podNamespace ??
        namespace ??
        'default',
      identity: `${podName ?? hostname()}_${randomBytes(4).toString('hex')}`,
    },
    workers,
    syncPeriodMs: span('sync-period'),
    installCrds: values['install-crds'] === true,
    taskRecordWaitMs: taskRecordWaitMs ?? 0,
  };
  r.done();
  return config;
}

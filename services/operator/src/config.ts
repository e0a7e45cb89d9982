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
 * | `BROKER_URL` | `http://127.0.0.1:50051` | session broker gRPC URL |
 * | `EXECUTOR_URL` | `http://127.0.0.1:50052` | task executor gRPC URL |
 * | `RECORD_STORE_URL` | `http://127.0.0.1:50054` | record store gRPC URL |
 * | `KUBECONFIG` | in-cluster | kubeconfig file for out-of-cluster runs |
 */
import { parseArgs } from 'node:util';
import { ConfigError, createEnvReader, readServerConfig, type Env, type ServerConfig } from '@nightglow/runtime';

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
  readonly kubeconfig: string | undefined;
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
  const config: OperatorConfig = {
    server: { ...server, host: metrics.host, httpPort: metrics.port },
    metrics,
    healthProbe,
    leaderElect: values['leader-elect'] === true,
    namespace: typeof values['namespace'] === 'string' ? values['namespace'] : undefined,
    brokerUrl: url('BROKER_URL', 'http://127.0.0.1:50051'),
    executorUrl: url('EXECUTOR_URL', 'http://127.0.0.1:50052'),
    recordStoreUrl: url('RECORD_STORE_URL', 'http://127.0.0.1:50054'),
    kubeconfig: r.optionalString('KUBECONFIG'),
  };
  r.done();
  return config;
}

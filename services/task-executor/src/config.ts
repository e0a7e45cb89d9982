/**
 * The task-executor's configuration, read once from the environment by `main.ts`
 * and validated: a bad value stops start-up with a message naming the
 * variable. Variables are listed in this service's README.
 */
import { createEnvReader, readEventBusConfig, readServerConfig, readStateStoreConfig } from '@nightglow/runtime';
import type { Env, EventBusConfig, ServerConfig, StateStoreConfig } from '@nightglow/runtime';

/** Where sessions come from: the session broker, or one Chromium's CDP endpoint (all-in-one without a broker). */
export type SessionSourceConfig =
  | {
      readonly kind: 'broker';
      readonly brokerUrl: string;
      /** The broker's TOKEN_SECRET, to connect to existing sessions; redacted in logs. */
      readonly tokenSecret: Uint8Array | undefined;
    }
  | { readonly kind: 'cdp'; readonly cdpEndpoint: string };

/** The validated configuration of the task-executor. */
export type ExecutorConfig = {
  readonly server: ServerConfig;
  readonly bus: EventBusConfig;
  readonly state: StateStoreConfig;
  readonly sessions: SessionSourceConfig;
  /** Kept for compatibility with the skeleton: the broker URL (also in `sessions`). */
  readonly brokerUrl: string;
  readonly taskConcurrency: number;
  /** Most tasks waiting for a slot; SubmitTask answers RESOURCE_EXHAUSTED beyond. */
  readonly queueLimit: number;
  readonly allowEvaluate: boolean;
  /** How long finished tasks stay readable. */
  readonly retentionMs: number;
  /** Deadline of one MarkPhase call to a sidecar. */
  readonly phaseMarkTimeoutMs: number;
};

/** Reads and validates the task-executor's configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: Env): ExecutorConfig {
  const r = createEnvReader(env);
  const brokerUrl = r.optionalUrl('BROKER_URL', ['http:', 'https:']) ?? 'http://127.0.0.1:50051';
  const source = r.oneOf('SESSION_SOURCE', ['broker', 'cdp'] as const, { default: 'broker' });
  const secret = r.optionalString('BROKER_TOKEN_SECRET');
  if (secret !== undefined && secret.length < 16) r.reject('BROKER_TOKEN_SECRET', 'must be at least 16 characters');
  const cdp = r.optionalUrl('CDP_ENDPOINT', ['ws:', 'wss:']);
  if (source === 'cdp' && cdp === undefined)
    r.reject('CDP_ENDPOINT', 'is required when SESSION_SOURCE=cdp (a ws:// DevTools URL)');
  const config: ExecutorConfig = {
    server: readServerConfig(r, { grpcPort: 50052, httpPort: 8082 }),
    bus: readEventBusConfig(r, 'task-executor'),
    state: readStateStoreConfig(r),
    sessions:
      source === 'cdp'
        ? { kind: 'cdp', cdpEndpoint: cdp ?? '' }
        : {
            kind: 'broker',
            brokerUrl,
            tokenSecret: secret === undefined ? undefined : new TextEncoder().encode(secret),
          },
    brokerUrl,
    taskConcurrency: r.int('TASK_CONCURRENCY', { default: 4, min: 1, max: 256 }),
    queueLimit: r.int('TASK_QUEUE_LIMIT', { default: 1000, min: 0, max: 1_000_000 }),
    allowEvaluate: r.bool('ALLOW_EVALUATE', { default: false }),
    retentionMs: r.durationMs('TASK_RETENTION', { default: 24 * 3_600_000, min: 1000 }),
    phaseMarkTimeoutMs: r.durationMs('PHASE_MARK_TIMEOUT', { default: 1000, min: 1 }),
  };
  r.done();
  return config;
}

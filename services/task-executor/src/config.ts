/**
 * The task-executor's configuration, read once from the environment by `main.ts`
 * and validated: a bad value stops start-up with a message naming the
 * variable. Variables are listed in this service's README.
 */
import { hostname } from 'node:os';
import { createEnvReader, readEventBusConfig, readServerConfig, readStateStoreConfig } from '@nightglow/runtime';
import type { Env, EventBusConfig, ServerConfig, StateStoreConfig } from '@nightglow/runtime';

/** Where sessions come from: the session broker, or one Chromium's CDP endpoint (all-in-one without a broker). */
export type SessionSourceConfig =
  | {
      readonly kind: 'broker';
      readonly brokerUrl: string;
      /**
       * The executor's service credential at the broker (one of its TRUSTED_CALLER_KEYS), sent
       * with IssueSessionToken to connect to existing sessions; never logged.
       */
      readonly callerKey: string | undefined;
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
  /** Identity of this replica in the shared state (task ownership, heartbeat). */
  readonly replicaId: string;
  /**
   * With Redis state: a replica whose heartbeat is older than this is taken for dead and
   * another replica takes over its tasks. Heartbeats go out every third of it.
   */
  readonly replicaTimeoutMs: number;
};

/** Reads and validates the task-executor's configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: Env): ExecutorConfig {
  const r = createEnvReader(env);
  const brokerUrl = r.optionalUrl('BROKER_URL', ['http:', 'https:']) ?? 'http://127.0.0.1:50051';
  const source = r.oneOf('SESSION_SOURCE', ['broker', 'cdp'] as const, { default: 'broker' });
  const callerKey = r.optionalString('BROKER_CALLER_KEY');
  if (callerKey !== undefined && (callerKey.length < 16 || callerKey.includes(',')))
    r.reject('BROKER_CALLER_KEY', 'must be at least 16 characters, without commas');
  if (r.optionalString('BROKER_TOKEN_SECRET') !== undefined) {
    r.reject(
      'BROKER_TOKEN_SECRET',
      "is no longer used: set BROKER_CALLER_KEY to a key listed in the broker's TRUSTED_CALLER_KEYS",
    );
  }
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
            callerKey,
          },
    brokerUrl,
    taskConcurrency: r.int('TASK_CONCURRENCY', { default: 4, min: 1, max: 256 }),
    queueLimit: r.int('TASK_QUEUE_LIMIT', { default: 1000, min: 0, max: 1_000_000 }),
    allowEvaluate: r.bool('ALLOW_EVALUATE', { default: false }),
    retentionMs: r.durationMs('TASK_RETENTION', { default: 24 * 3_600_000, min: 1000 }),
    phaseMarkTimeoutMs: r.durationMs('PHASE_MARK_TIMEOUT', { default: 1000, min: 1 }),
    replicaId: r.string('REPLICA_ID', {
      default: `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    }),
    replicaTimeoutMs: r.durationMs('REPLICA_TIMEOUT', { default: 15_000, min: 300 }),
  };
  r.done();
  return config;
}

/**
 * The task-executor's configuration, read once from the environment by `main.ts`
 * and validated: a bad value stops start-up with a message naming the
 * variable. Variables are listed in this service's README.
 */
import { createEnvReader, readEventBusConfig, readServerConfig, readStateStoreConfig } from '@nightglow/runtime';
import type { Env, EventBusConfig, ServerConfig, StateStoreConfig } from '@nightglow/runtime';

/** The validated configuration of the task-executor. */
export type ExecutorConfig = {
  readonly server: ServerConfig;
  readonly bus: EventBusConfig;
  readonly state: StateStoreConfig;
  readonly brokerUrl: string;
  readonly taskConcurrency: number;
  readonly allowEvaluate: boolean;
};

/** Reads and validates the task-executor's configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: Env): ExecutorConfig {
  const r = createEnvReader(env);
  const config = {
    server: readServerConfig(r, { grpcPort: 50052, httpPort: 8082 }),
    bus: readEventBusConfig(r, 'task-executor'),
    state: readStateStoreConfig(r),
    brokerUrl: r.optionalUrl('BROKER_URL', ['http:', 'https:']) ?? 'http://127.0.0.1:50051',
    taskConcurrency: r.int('TASK_CONCURRENCY', { default: 4, min: 1, max: 256 }),
    allowEvaluate: r.bool('ALLOW_EVALUATE', { default: false }),
  };
  r.done();
  return config;
}

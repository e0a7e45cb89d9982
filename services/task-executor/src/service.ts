/**
 * The task-executor as a runtime service definition. It serves health, reflection,
 * metrics and probes today; its domain API (see proto/) is built in issue #4.
 */
import type { ServiceDefinition } from '@nightglow/runtime';
import { loadConfig, type ExecutorConfig } from './config.js';

/** The task-executor, ready for `runService` (its `main.ts`) or `startService` (tests, all-in-one). */
export const taskExecutorService: ServiceDefinition<ExecutorConfig> = {
  name: 'task-executor',
  loadConfig,
  build: async () => ({ services: [] }),
};

/** @nightglow/task-executor: the service definition and its config loader, for the all-in-one and tests. */
export { loadConfig } from './config.js';
export type { ExecutorConfig } from './config.js';
export { taskExecutorService } from './service.js';

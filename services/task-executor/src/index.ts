/**
 * @nightglow/task-executor: the service definition and its config loader (for
 * the all-in-one and tests), the ports and their implementations, the
 * task-file loader shared with the CLI, and the demo/fixture site.
 */
export { loadConfig } from './config.js';
export type { ExecutorConfig, SessionSourceConfig } from './config.js';
export { createTaskExecutorService, EXECUTOR_VERSION, taskExecutorService } from './service.js';
export type { ExecutorPorts } from './service.js';
export { ExecutorError, isExecutorError } from './errors.js';
export type { ExecutorErrorCode, ExecutorErrorOptions } from './errors.js';
export type { AcquiredSession, CdpEndpoint, SessionProvider, SessionRequest } from './sessions/port.js';
export { createBrokerSessionProvider } from './sessions/broker-provider.js';
export type { BrokerProviderOptions } from './sessions/broker-provider.js';
export { createDirectSessionProvider } from './sessions/direct-provider.js';
export type { DirectSessionProvider } from './sessions/direct-provider.js';
export type { HeldTask, ReplicaLeases, TaskStore, Unsubscribe } from './store/port.js';
export { createMemoryStore } from './store/memory-store.js';
export type { MemoryStoreOptions } from './store/memory-store.js';
export { createRedisStore } from './store/redis-store.js';
export type { RedisStoreOptions } from './store/redis-store.js';
export { createSidecarPhaseMarker, noPhaseMarker } from './phase/phase-marker.js';
export type { PhaseMarker, SidecarMarkerOptions } from './phase/phase-marker.js';
export { loadTaskFile, parseTaskFile, parseTemplateFile, TaskFileError } from './task-file/load-task-file.js';
export type { TaskFileProblem, TemplateFile } from './task-file/load-task-file.js';
export { DEMO_SITE_DEFAULT_URL, DEMO_USER, startFixtureSite } from './fixture-site/fixture-site.js';
export type { FixtureSite } from './fixture-site/fixture-site.js';
export { NEWS_TITLES } from './fixture-site/pages.js';
export { canTransition, isTerminal } from './run/task-state.js';
export { ACTION_TYPE_NAMES, actionName, actionType } from './spec/action-kinds.js';

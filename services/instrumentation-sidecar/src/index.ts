/** @nightglow/instrumentation-sidecar: the service definition and its config loader, for the all-in-one and tests. */
export { loadConfig } from './config.js';
export type { SidecarConfig } from './config.js';
export { instrumentationSidecarService } from './service.js';

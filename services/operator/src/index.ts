/** @nightglow/operator: the service definition and its config loader, for the all-in-one and tests. */
export { loadConfig, parseBindAddress } from './config.js';
export type { BindAddress, OperatorConfig } from './config.js';
export { operatorService } from './service.js';

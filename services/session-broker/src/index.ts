/** @nightglow/session-broker: the service definition and its config loader, for the all-in-one and tests. */
export { loadConfig } from './config.js';
export type { BrokerConfig } from './config.js';
export { sessionBrokerService } from './service.js';

/**
 * @nightglow/session-broker: the service definition (with its ports
 * replaceable for tests and the all-in-one) and its config loader.
 */
export { loadConfig } from './config.js';
/** The validated configuration (see README for every variable). */
export type { BrokerConfig } from './config.js';
export { createSessionBrokerService, sessionBrokerService } from './service.js';
/** Ports the all-in-one or a test may replace: clock, bus, browser sources, CDP connector, sidecars. */
export type { BrokerOverrides } from './service.js';

/**
 * The session-broker as a runtime service definition. It serves health, reflection,
 * metrics and probes today; its domain API (see proto/) is built in issue #3.
 */
import type { ServiceDefinition } from '@nightglow/runtime';
import { loadConfig, type BrokerConfig } from './config.js';

/** The session-broker, ready for `runService` (its `main.ts`) or `startService` (tests, all-in-one). */
export const sessionBrokerService: ServiceDefinition<BrokerConfig> = {
  name: 'session-broker',
  loadConfig,
  build: async () => ({ services: [] }),
};

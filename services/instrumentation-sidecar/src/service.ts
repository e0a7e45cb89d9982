/**
 * The instrumentation-sidecar as a runtime service definition. It serves health, reflection,
 * metrics and probes today; its domain API (see proto/) is built in issue #5.
 */
import type { ServiceDefinition } from '@nightglow/runtime';
import { loadConfig, type SidecarConfig } from './config.js';

/** The instrumentation-sidecar, ready for `runService` (its `main.ts`) or `startService` (tests, all-in-one). */
export const instrumentationSidecarService: ServiceDefinition<SidecarConfig> = {
  name: 'instrumentation-sidecar',
  loadConfig,
  build: async () => ({ services: [] }),
};

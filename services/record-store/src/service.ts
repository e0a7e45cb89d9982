/**
 * The record-store as a runtime service definition. It serves health, reflection,
 * metrics and probes today; its domain API (see proto/) is built in issue #6.
 */
import type { ServiceDefinition } from '@nightglow/runtime';
import { loadConfig, type RecordStoreConfig } from './config.js';

/** The record-store, ready for `runService` (its `main.ts`) or `startService` (tests, all-in-one). */
export const recordStoreService: ServiceDefinition<RecordStoreConfig> = {
  name: 'record-store',
  loadConfig,
  build: async () => ({ services: [] }),
};

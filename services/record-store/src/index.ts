/** @nightglow/record-store: the service definition and its config loader, for the all-in-one and tests. */
export { loadConfig } from './config.js';
export type { RecordStoreConfig } from './config.js';
export { recordStoreService } from './service.js';

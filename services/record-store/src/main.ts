/** Runs the record-store process: config from the environment, drains on SIGTERM. */
import { runService } from '@nightglow/runtime';
import { recordStoreService } from './service.js';

await runService(recordStoreService, process.env);

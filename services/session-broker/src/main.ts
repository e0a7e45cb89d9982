/** Runs the session-broker process: config from the environment, drains on SIGTERM. */
import { runService } from '@nightglow/runtime';
import { sessionBrokerService } from './service.js';

await runService(sessionBrokerService, process.env);

/** Runs the operator process: flags from argv, config from the environment, drains on SIGTERM. */
import { runService } from '@nightglow/runtime';
import { operatorService } from './service.js';

await runService(operatorService(process.argv.slice(2)), process.env);

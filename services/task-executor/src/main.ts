/** Runs the task-executor process: config from the environment, drains on SIGTERM. */
import { runService } from '@nightglow/runtime';
import { taskExecutorService } from './service.js';

await runService(taskExecutorService, process.env);

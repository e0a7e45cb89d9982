/** Runs the instrumentation-sidecar process: config from the environment, drains on SIGTERM. */
import { runService } from '@nightglow/runtime';
import { instrumentationSidecarService } from './service.js';

await runService(instrumentationSidecarService, process.env);

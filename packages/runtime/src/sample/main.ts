/** Runs the sample EchoService as a process: `node dist/sample/main.js` (config from the environment). */
import { runService } from '../run.js';
import { sampleService } from './sample-service.js';

await runService(sampleService, process.env);

/** The runtime's sample EchoService, for tests, benchmarks and as a template for new services. */
export { createEchoService } from './echo-service.js';
export type { EchoServiceOptions } from './echo-service.js';
export { loadSampleConfig, sampleService } from './sample-service.js';
export type { SampleConfig } from './sample-service.js';

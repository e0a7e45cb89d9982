/**
 * @nightglow/runtime/testing — helpers for tests and benchmarks of services
 * built on the runtime: a stub-free grpc-js client for any protobuf-es service
 * a runner for a service's compiled main as a real process, a poll that waits
 * for a condition, and a reader of one metric from a process's /metrics.
 */
export { createGrpcJsClient, grpcUnary } from './grpc-client.js';
export type { GenericGrpcClient } from './grpc-client.js';
export { expectServingProcess, runServiceExpectingFailure, startServiceProcess } from './service-process.js';
export type { ProcessOptions, ServiceProcess } from './service-process.js';
export { eventually } from './eventually.js';
export type { EventuallyOptions } from './eventually.js';
export { metricSum, scrapeMetric } from './scrape-metric.js';

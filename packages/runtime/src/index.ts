/**
 * @nightglow/runtime — everything a Nightglow service needs to serve,
 * configure, log, trace, measure and shut down. It knows no service.
 */
export { ConfigError, createEnvReader, parseBytes, parseDurationMs } from './config/env-reader.js';
export type { ConfigProblem, Env, EnvReader } from './config/env-reader.js';
export { readServerConfig } from './config/server-config.js';
export type { ServerConfig } from './config/server-config.js';
export { readEventBusConfig, readStateStoreConfig } from './config/infra-config.js';
export type { EventBusConfig, StateStoreConfig } from './config/infra-config.js';
export { createLogger, LOG_LEVELS } from './logging.js';
export type { Logger, LogLevel } from './logging.js';
export { createMetrics, LATENCY_BUCKETS } from './telemetry/metrics.js';
export { counterFamily, gaugeFamily, histogramFamily } from './telemetry/families.js';
export type { CounterChild, Family, FamilyOptions, GaugeChild, HistogramChild } from './telemetry/families.js';
export type { Metrics, RpcMetrics } from './telemetry/metrics.js';
export { createTracing } from './telemetry/tracing.js';
export type { Tracing, TracingOptions } from './telemetry/tracing.js';
export { INTERNAL_MESSAGE, invalidArgument, notFound, resourceExhausted, toRpcError, withReason } from './errors.js';
export type { FieldViolation, RpcMappable } from './errors.js';
export { callKey, callOptions } from './serving/call-context.js';
export type { CallContext } from './serving/call-context.js';
export { registration, startServer } from './serving/server.js';
export type { RunningServer, ServerOptions, ServerState, ServiceRegistration } from './serving/server.js';
export type { ExtraProbe } from './serving/http-server.js';
export {
  callPropagationInterceptor,
  refusedStreamInterceptor,
  createServiceClient,
  createServiceTransport,
  tracingInterceptor,
} from './client.js';
export type { ServiceTransportOptions } from './client.js';
export { createManualClock, systemClock } from './clock.js';
export type { Clock, ManualClock, TimerHandle } from './clock.js';
export { runService, startService } from './run.js';
export type { BuiltService, ServiceContext, ServiceDefinition, StartedService, StartOptions } from './run.js';

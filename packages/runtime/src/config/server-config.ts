/**
 * The serving settings every service reads the same way. Variables:
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | `BIND_HOST` | `127.0.0.1` | address both listeners bind (`0.0.0.0` in containers) |
 * | `GRPC_PORT` | per service | native gRPC (h2c) port; 0 picks a free one |
 * | `HTTP_PORT` | per service | Connect, gRPC-Web, `/metrics`, `/healthz`, `/readyz`; 0 picks a free one |
 * | `LOG_LEVEL` | `info` | trace, debug, info, warn, error, fatal, silent |
 * | `MAX_MESSAGE_BYTES` | `4MiB` | largest request or response message |
 * | `CORS_ALLOWED_ORIGINS` | (none) | comma-separated origins allowed to call Connect/gRPC-Web; `*` for any |
 * | `SHUTDOWN_TIMEOUT` | `30s` | on SIGTERM, in-flight calls get this long before being cut |
 * | `DRAIN_DELAY` | `0s` | on SIGTERM, report NOT_SERVING this long before refusing new calls |
 * | `GRPC_KEEPALIVE_TIME` | `30s` | HTTP/2 ping interval on idle connections and long streams |
 * | `GRPC_KEEPALIVE_TIMEOUT` | `10s` | a ping unanswered this long closes the connection |
 * | `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` | (none) | OTLP/HTTP traces URL; tracing is off when neither this nor the next is set |
 * | `OTEL_EXPORTER_OTLP_ENDPOINT` | (none) | OTLP/HTTP base URL (`/v1/traces` is appended) |
 * | `OTEL_TRACES_SAMPLER_ARG` | `1` | fraction of root traces sampled |
 */
import type { EnvReader } from './env-reader.js';
import { LOG_LEVELS, type LogLevel } from '../logging.js';

/** Validated serving settings; see the table above for variables and defaults. */
export type ServerConfig = {
  readonly host: string;
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly logLevel: LogLevel;
  readonly maxMessageBytes: number;
  readonly corsAllowedOrigins: readonly string[];
  readonly shutdownTimeoutMs: number;
  readonly drainDelayMs: number;
  readonly keepaliveTimeMs: number;
  readonly keepaliveTimeoutMs: number;
  readonly otlpTracesEndpoint: string | undefined;
  readonly traceSampleRatio: number;
};

/** Reads the serving settings; `defaults` gives the service's own ports. */
export function readServerConfig(
  r: EnvReader,
  defaults: { readonly grpcPort: number; readonly httpPort: number },
): ServerConfig {
  const base = r.optionalUrl('OTEL_EXPORTER_OTLP_ENDPOINT', ['http:', 'https:']);
  const traces = r.optionalUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', ['http:', 'https:']);
  return {
    host: r.string('BIND_HOST', { default: '127.0.0.1' }),
    grpcPort: r.port('GRPC_PORT', { default: defaults.grpcPort }),
    httpPort: r.port('HTTP_PORT', { default: defaults.httpPort }),
    logLevel: r.oneOf('LOG_LEVEL', LOG_LEVELS, { default: 'info' }),
    maxMessageBytes: r.bytes('MAX_MESSAGE_BYTES', { default: 4 * 1024 * 1024, min: 1024 }),
    corsAllowedOrigins: r.list('CORS_ALLOWED_ORIGINS'),
    shutdownTimeoutMs: r.durationMs('SHUTDOWN_TIMEOUT', { default: 30_000 }),
    drainDelayMs: r.durationMs('DRAIN_DELAY', { default: 0 }),
    keepaliveTimeMs: r.durationMs('GRPC_KEEPALIVE_TIME', { default: 30_000, min: 1000 }),
    keepaliveTimeoutMs: r.durationMs('GRPC_KEEPALIVE_TIMEOUT', { default: 10_000, min: 100 }),
    otlpTracesEndpoint: traces ?? (base ? `${base.replace(/\/$/, '')}/v1/traces` : undefined),
    traceSampleRatio: r.number('OTEL_TRACES_SAMPLER_ARG', { default: 1, min: 0, max: 1 }),
  };
}

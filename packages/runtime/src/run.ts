/**
 * Process wiring shared by every service's `main.ts`: load and validate the
 * config (a bad variable stops the process, exit 78, with a message naming
 * it), create logging/metrics/tracing, build the service, serve, and drain on
 * SIGTERM/SIGINT. `startService` does the same without touching the process,
 * for tests and the all-in-one.
 */
import type { Env } from './config/env-reader.js';
import { ConfigError } from './config/env-reader.js';
import type { ServerConfig } from './config/server-config.js';
import { createLogger, type Logger } from './logging.js';
import { createMetrics, type Metrics } from './telemetry/metrics.js';
import { createTracing, type Tracing } from './telemetry/tracing.js';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { DestinationStream } from 'pino';
import { startServer, type RunningServer, type ServerOptions, type ServiceRegistration } from './serving/server.js';

/** What a service's build step receives. */
export type ServiceContext<C> = {
  readonly config: C;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracing: Tracing;
  /** The bound ports once the server listens (undefined during build), e.g. to build public URLs. */
  readonly ports: () => { readonly grpcPort: number; readonly httpPort: number } | undefined;
};

/** What a service's build step returns. */
export type BuiltService = {
  readonly services: readonly ServiceRegistration[];
  readonly readinessChecks?: readonly (() => Promise<string | undefined>)[];
  /** Extra probe endpoints on the HTTP port by exact path (see ServerOptions.extraProbes). */
  readonly extraProbes?: ServerOptions['extraProbes'];
  /** WebSocket upgrades on the HTTP port (see ServerOptions.httpUpgrade). */
  readonly httpUpgrade?: ServerOptions['httpUpgrade'];
  /** Serve native gRPC (default true). */
  readonly serveGrpc?: boolean;
  /** Called after the server stopped serving: close pools, flush producers, stop browsers. */
  readonly close?: () => Promise<void>;
};

/** A service as `main.ts` describes it. */
export type ServiceDefinition<C extends { readonly server: ServerConfig }> = {
  /** e.g. `session-broker`; used for logs, metrics and traces. */
  readonly name: string;
  readonly version?: string;
  /** Validates `env`; throws ConfigError naming every bad variable. */
  readonly loadConfig: (env: Env) => C;
  readonly build: (ctx: ServiceContext<C>) => Promise<BuiltService>;
};

/** A started service. */
export type StartedService<C> = {
  readonly config: C;
  readonly server: RunningServer;
  readonly logger: Logger;
  /** Drains the server, then closes the service; resolves true when the drain was clean. */
  stop(): Promise<boolean>;
};

/** Test and embedding hooks for {@link startService}. */
export type StartOptions = {
  readonly spanProcessors?: readonly SpanProcessor[];
  readonly logDestination?: DestinationStream;
};

/** Loads config, builds and serves `def` (throws ConfigError on bad config). */
export async function startService<C extends { readonly server: ServerConfig }>(
  def: ServiceDefinition<C>,
  env: Env,
  opts: StartOptions = {},
): Promise<StartedService<C>> {
  const config = def.loadConfig(env);
  const logger = createLogger({
    service: def.name,
    level: config.server.logLevel,
    ...(opts.logDestination ? { destination: opts.logDestination } : {}),
  });
  const metrics = createMetrics(def.name);
  const tracing = createTracing({
    serviceName: def.name,
    otlpEndpoint: config.server.otlpTracesEndpoint,
    sampleRatio: config.server.traceSampleRatio,
    ...(def.version ? { serviceVersion: def.version } : {}),
    ...(opts.spanProcessors ? { spanProcessors: opts.spanProcessors } : {}),
  });
  const bound: { ports?: { grpcPort: number; httpPort: number } } = {};
  const built = await def.build({ config, logger, metrics, tracing, ports: () => bound.ports });
  const server = await startServer({
    config: config.server,
    services: built.services,
    logger,
    metrics,
    tracing,
    ...(built.readinessChecks ? { readinessChecks: built.readinessChecks } : {}),
    ...(built.extraProbes ? { extraProbes: built.extraProbes } : {}),
    ...(built.serveGrpc === undefined ? {} : { serveGrpc: built.serveGrpc }),
    ...(built.httpUpgrade ? { httpUpgrade: built.httpUpgrade } : {}),
  });
  bound.ports = { grpcPort: server.grpcPort, httpPort: server.httpPort };
  let stopping: Promise<boolean> | undefined;
  const stop = async (): Promise<boolean> => {
    const clean = await server.shutdown();
    await built.close?.();
    await tracing.shutdown();
    return clean;
  };
  return { config, server, logger, stop: () => (stopping ??= stop()) };
}

/**
 * The body of a service's `main.ts`: starts the service, drains on SIGTERM or
 * SIGINT and exits 0 (1 when the drain timed out); bad config exits 78.
 */
export async function runService<C extends { readonly server: ServerConfig }>(
  def: ServiceDefinition<C>,
  env: Env,
): Promise<void> {
  let started: StartedService<C>;
  try {
    started = await startService(def, env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${def.name}: ${e.message}\n`);
      process.exit(78);
    }
    process.stderr.write(`${def.name}: failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    started.logger.info({ signal }, 'signal received');
    started.stop().then(
      (clean) => process.exit(clean ? 0 : 1),
      (e: unknown) => {
        started.logger.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

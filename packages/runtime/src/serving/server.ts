/**
 * One service's serving stack: a grpc-js server (native gRPC over h2c with
 * reflection and grpc.health.v1) and an HTTP/1.1 server (Connect, gRPC-Web,
 * metrics, probes), both serving the same instrumented handlers.
 *
 * Lifecycle: STARTING → READY → DRAINING → STOPPED. `shutdown()` flips health
 * to NOT_SERVING and readiness to 503, waits `drainDelayMs` (so load balancers
 * notice), ends open streams with UNAVAILABLE, stops accepting calls, lets
 * in-flight calls finish, and cuts whatever is left after `shutdownTimeoutMs`.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { DescService } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import { HealthImplementation } from 'grpc-health-check';
import type { ServerConfig } from '../config/server-config.js';
import type { Logger } from '../logging.js';
import type { Metrics } from '../telemetry/metrics.js';
import { ensureContextManager, type Tracing } from '../telemetry/tracing.js';
import { addGrpcService } from './grpc-adapter.js';
import { createHttpServer, type ExtraProbe } from './http-server.js';
import { instrumentService, type AnyServiceImpl } from './instrument.js';
import { addReflection } from './reflection.js';

/** A service and its (possibly partial) implementation; missing methods answer UNIMPLEMENTED. */
export type ServiceRegistration<S extends DescService = DescService> = {
  readonly service: S;
  readonly impl: Partial<ServiceImpl<S>>;
};

/** Builds a {@link ServiceRegistration} with the implementation type-checked against the service. */
export function registration<S extends DescService>(service: S, impl: Partial<ServiceImpl<S>>): ServiceRegistration {
  return { service, impl } as ServiceRegistration;
}

/** The lifecycle states of a server. */
export type ServerState = 'STARTING' | 'READY' | 'DRAINING' | 'STOPPED';

/** Options of {@link startServer}. */
export type ServerOptions = {
  readonly config: ServerConfig;
  readonly services: readonly ServiceRegistration[];
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracing: Tracing;
  /**
   * Handles HTTP upgrade requests (WebSocket) on the HTTP listener, e.g. the
   * broker's CDP proxy. Without it, upgrades are refused. Open upgraded sockets
   * are the handler's to close on drain.
   */
  readonly httpUpgrade?: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Bind the native gRPC listener (default true); the operator serves only HTTP. */
  readonly serveGrpc?: boolean;
  /** Extra readiness checks (e.g. database reachable); each returns a reason when not ready. */
  readonly readinessChecks?: readonly (() => Promise<string | undefined>)[];
  /** Extra probe endpoints on the HTTP port by exact path, e.g. `/browser/healthz` (see ExtraProbe). */
  readonly extraProbes?: Readonly<Record<string, ExtraProbe>>;
};

/** A started server. */
export type RunningServer = {
  /** Bound native gRPC port (0 when gRPC is not served). */
  readonly grpcPort: number;
  /** Bound HTTP (Connect, gRPC-Web, metrics, probes) port. */
  readonly httpPort: number;
  /** Current lifecycle state. */
  state(): ServerState;
  /** Drains and stops (idempotent); resolves true when every call finished in time. */
  shutdown(): Promise<boolean>;
};

function listenHttp(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

function bindGrpc(server: grpc.Server, host: string, port: number): Promise<number> {
  const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return new Promise((resolve, reject) => {
    server.bindAsync(target, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });
}

/** Starts both listeners and returns once they accept calls. */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { config, logger } = opts;
  ensureContextManager();
  let state: ServerState = 'STARTING';
  const drain = new AbortController();
  const deps = { logger, metrics: opts.metrics, tracing: opts.tracing, drainSignal: drain.signal };
  const services = opts.services.map(({ service, impl }) => ({
    service,
    impl: instrumentService(service, impl as unknown as AnyServiceImpl, deps),
  }));

  const health = new HealthImplementation({ '': 'NOT_SERVING' });
  const setHealth = (s: 'SERVING' | 'NOT_SERVING'): void => {
    health.setStatus('', s);
    for (const { service } of services) health.setStatus(service.typeName, s);
  };
  const grpcServer = new grpc.Server({
    'grpc.max_receive_message_length': config.maxMessageBytes,
    'grpc.max_send_message_length': config.maxMessageBytes,
    'grpc.keepalive_time_ms': config.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': config.keepaliveTimeoutMs,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 5000,
  });
  for (const s of services) addGrpcService(grpcServer, s.service, s.impl);
  health.addToServer(grpcServer);
  addReflection(
    grpcServer,
    services.map((s) => s.service),
  );

  const httpServer = createHttpServer({
    services,
    registry: opts.metrics.registry,
    maxMessageBytes: config.maxMessageBytes,
    corsAllowedOrigins: config.corsAllowedOrigins,
    ...(opts.extraProbes === undefined ? {} : { extraProbes: opts.extraProbes }),
    probes: {
      live: () => state !== 'STOPPED',
      notReadyReasons: async () => {
        if (state !== 'READY') return [`server is ${state}`];
        const reasons = await Promise.all((opts.readinessChecks ?? []).map((check) => check()));
        return reasons.filter((r): r is string => r !== undefined);
      },
    },
  });

  if (opts.httpUpgrade) httpServer.on('upgrade', opts.httpUpgrade);
  else httpServer.on('upgrade', (_req, socket: Duplex) => socket.end('HTTP/1.1 426 Upgrade Required\r\n\r\n'));
  const serveGrpc = opts.serveGrpc ?? true;
  const [grpcPort, httpPort] = await Promise.all([
    serveGrpc ? bindGrpc(grpcServer, config.host, config.grpcPort) : Promise.resolve(0),
    listenHttp(httpServer, config.host, config.httpPort),
  ]);
  state = 'READY';
  setHealth('SERVING');
  logger.info({ grpc: `${config.host}:${grpcPort}`, http: `${config.host}:${httpPort}` }, 'serving');

  let stopping: Promise<boolean> | undefined;
  const shutdown = async (): Promise<boolean> => {
    state = 'DRAINING';
    setHealth('NOT_SERVING');
    logger.info({ drainDelayMs: config.drainDelayMs }, 'draining');
    if (config.drainDelayMs > 0) await new Promise((r) => setTimeout(r, config.drainDelayMs));
    drain.abort();
    const graceful = Promise.all([
      serveGrpc ? new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve())) : Promise.resolve(),
      new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeIdleConnections();
      }),
    ]).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), config.shutdownTimeoutMs);
    });
    const clean = await Promise.race([graceful, timeout]);
    clearTimeout(timer);
    if (!clean) {
      logger.warn({ shutdownTimeoutMs: config.shutdownTimeoutMs }, 'shutdown timeout: cutting remaining calls');
      grpcServer.forceShutdown();
      httpServer.closeAllConnections();
    }
    state = 'STOPPED';
    logger.info({ clean }, 'stopped');
    return clean;
  };
  return {
    grpcPort,
    httpPort,
    state: () => state,
    shutdown: () => (stopping ??= shutdown()),
  };
}

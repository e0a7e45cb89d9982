/**
 * The instrumentation-sidecar's configuration, read once from the environment by `main.ts`
 * and validated: a bad value stops start-up with a message naming the
 * variable. Variables are listed in this service's README.
 */
import { hostname } from 'node:os';
import { createEnvReader, readEventBusConfig, readServerConfig } from '@nightglow/runtime';
import type { Env, EventBusConfig, ServerConfig } from '@nightglow/runtime';

/** The validated configuration of the instrumentation-sidecar. */
export type SidecarConfig = {
  readonly server: ServerConfig;
  readonly bus: EventBusConfig;
  /** The browser's DevTools endpoint on localhost (`http://` or `ws://`). */
  readonly cdpUrl: string;
  /** Port of the authenticated CDP gateway; 0 picks a free one. */
  readonly gatewayPort: number;
  /** Shared secret of the gateway; the gateway is off when unset. Redacted in logs. */
  readonly gatewaySecret: string | undefined;
  readonly blueprintsFile: string | undefined;
  /** This sidecar's id (pod name): command consumer group and envelope source. */
  readonly sidecarId: string;
  /** Pool of this sidecar's browser. */
  readonly pool: string;
  /** Timeout of every CDP command, ms. */
  readonly cdpCommandTimeoutMs: number;
};

/** Reads and validates the instrumentation-sidecar's configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: Env): SidecarConfig {
  const r = createEnvReader(env);
  const config = {
    server: readServerConfig(r, { grpcPort: 50053, httpPort: 8083 }),
    bus: readEventBusConfig(r, 'instrumentation-sidecar'),
    cdpUrl: r.optionalUrl('CDP_URL', ['http:', 'ws:']) ?? 'http://127.0.0.1:9222',
    gatewayPort: r.port('CDP_GATEWAY_PORT', { default: 9223 }),
    gatewaySecret: r.optionalString('CDP_GATEWAY_SECRET'),
    blueprintsFile: r.optionalString('BLUEPRINTS_FILE'),
    sidecarId: r.string('SIDECAR_ID', { default: r.optionalString('POD_NAME') ?? `${hostname()}-${process.pid}` }),
    pool: r.string('SIDECAR_POOL', { default: 'default' }),
    cdpCommandTimeoutMs: r.durationMs('CDP_COMMAND_TIMEOUT', { default: 5000, min: 100 }),
  };
  if (config.gatewaySecret !== undefined && config.gatewaySecret.length < 16) {
    r.reject('CDP_GATEWAY_SECRET', 'must be at least 16 characters');
  }
  if (!/^[A-Za-z0-9._-]+$/.test(config.sidecarId))
    r.reject('SIDECAR_ID', 'may only hold letters, digits, ".", "_" and "-"');
  r.done();
  return config;
}

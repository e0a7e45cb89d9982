/**
 * The instrumentation-sidecar's configuration, read once from the environment by `main.ts`
 * and validated: a bad value stops start-up with a message naming the
 * variable. Variables are listed in this service's README.
 */
import { createEnvReader, readEventBusConfig, readServerConfig } from '@nightglow/runtime';
import type { Env, EventBusConfig, ServerConfig } from '@nightglow/runtime';

/** The validated configuration of the instrumentation-sidecar. */
export type SidecarConfig = {
  readonly server: ServerConfig;
  readonly bus: EventBusConfig;
  readonly cdpUrl: string;
  readonly gatewayPort: number;
  readonly blueprintsFile: string | undefined;
};

/** Reads and validates the instrumentation-sidecar's configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: Env): SidecarConfig {
  const r = createEnvReader(env);
  const config = {
    server: readServerConfig(r, { grpcPort: 50053, httpPort: 8083 }),
    bus: readEventBusConfig(r, 'instrumentation-sidecar'),
    cdpUrl: r.optionalUrl('CDP_URL', ['http:', 'ws:']) ?? 'http://127.0.0.1:9222',
    gatewayPort: r.port('CDP_GATEWAY_PORT', { default: 9223 }),
    blueprintsFile: r.optionalString('BLUEPRINTS_FILE'),
  };
  r.done();
  return config;
}

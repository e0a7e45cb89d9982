/**
 * The session-broker's configuration, read once from the environment by `main.ts`
 * and validated: a bad value stops start-up with a message naming the
 * variable. Variables are listed in this service's README.
 */
import { createEnvReader, readEventBusConfig, readServerConfig, readStateStoreConfig } from '@nightglow/runtime';
import type { Env, EventBusConfig, ServerConfig, StateStoreConfig } from '@nightglow/runtime';

/** The validated configuration of the session-broker. */
export type BrokerConfig = {
  readonly server: ServerConfig;
  readonly bus: EventBusConfig;
  readonly state: StateStoreConfig;
};

/** Reads and validates the session-broker's configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: Env): BrokerConfig {
  const r = createEnvReader(env);
  const config = {
    server: readServerConfig(r, { grpcPort: 50051, httpPort: 8081 }),
    bus: readEventBusConfig(r, 'session-broker'),
    state: readStateStoreConfig(r),
  };
  r.done();
  return config;
}

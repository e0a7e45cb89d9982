/**
 * The record-store's configuration, read once from the environment by `main.ts`
 * and validated: a bad value stops start-up with a message naming the
 * variable. Variables are listed in this service's README.
 */
import { createEnvReader, readEventBusConfig, readServerConfig } from '@nightglow/runtime';
import type { Env, EventBusConfig, ServerConfig } from '@nightglow/runtime';

/** The validated configuration of the record-store. */
export type RecordStoreConfig = {
  readonly server: ServerConfig;
  readonly bus: EventBusConfig;
  readonly databaseUrl: string | undefined;
  readonly pgliteDir: string;
};

/** Reads and validates the record-store's configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: Env): RecordStoreConfig {
  const r = createEnvReader(env);
  const config = {
    server: readServerConfig(r, { grpcPort: 50054, httpPort: 8084 }),
    bus: readEventBusConfig(r, 'record-store'),
    databaseUrl: r.optionalUrl('DATABASE_URL', ['postgres:', 'postgresql:']),
    pgliteDir: r.string('PGLITE_DIR', { default: './data/records' }),
  };
  r.done();
  return config;
}

/**
 * The sample service as a runnable definition (see `main.ts`). Config:
 * the serving variables of `readServerConfig` (ports default to 0 = free) and
 * `ECHO_FORWARD_URL`, a downstream EchoService's gRPC URL to forward Echo to.
 */
import { EchoService } from '@nightglow/contracts/sample/v1';
import { createEnvReader, type Env } from '../config/env-reader.js';
import { readServerConfig, type ServerConfig } from '../config/server-config.js';
import { createServiceClient } from '../client.js';
import { registration } from '../serving/server.js';
import type { ServiceDefinition } from '../run.js';
import { createEchoService } from './echo-service.js';

/** The sample service's validated config. */
export type SampleConfig = { readonly server: ServerConfig; readonly forwardUrl: string | undefined };

/** Reads the sample service's config from `env`. */
export function loadSampleConfig(env: Env): SampleConfig {
  const r = createEnvReader(env);
  const config = {
    server: readServerConfig(r, { grpcPort: 0, httpPort: 0 }),
    forwardUrl: r.optionalUrl('ECHO_FORWARD_URL', ['http:', 'https:']),
  };
  r.done();
  return config;
}

/** The sample EchoService, ready for `startService` / `runService`. */
export const sampleService: ServiceDefinition<SampleConfig> = {
  name: 'sample-echo',
  loadConfig: loadSampleConfig,
  build: async ({ config, tracing }) => ({
    services: [
      registration(
        EchoService,
        createEchoService(
          config.forwardUrl
            ? { forward: createServiceClient(EchoService, { baseUrl: config.forwardUrl, tracing }) }
            : {},
        ),
      ),
    ],
  }),
};

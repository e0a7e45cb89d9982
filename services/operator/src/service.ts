/**
 * The operator as a runtime service definition: today it validates its flags
 * and serves `/metrics`, `/healthz` and `/readyz` on the metrics address; the
 * CRDs and reconcilers are built in issue #7.
 */
import type { ServiceDefinition } from '@nightglow/runtime';
import { loadConfig, type OperatorConfig } from './config.js';

/** Creates the operator definition for the given command-line flags. */
export function operatorService(argv: readonly string[]): ServiceDefinition<OperatorConfig> {
  return {
    name: 'operator',
    loadConfig: (env) => loadConfig(env, argv),
    build: async () => ({ services: [], serveGrpc: false }),
  };
}

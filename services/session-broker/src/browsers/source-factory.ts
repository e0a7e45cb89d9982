/**
 * Picks each pool's browser source from its configuration: `local`
 * (Chromium launched here, orphans reaped by this broker's marker), `static`
 * or `kubernetes` (with the gateway secret and kubeconfig from the environment).
 */
import type { Clock, Logger } from '@nightglow/runtime';
import type { BrokerConfig } from '../config.js';
import type { PoolConfig } from '../pools/pool-config.js';
import { createKubeSource } from './kube-source.js';
import { createLocalSource } from './local/local-source.js';
import { currentInstanceMarker } from './local/orphans.js';
import type { BrowserSource } from './source.js';
import { createStaticSource } from './static-source.js';

/** A function building the source of a pool. */
export type SourceFactory = (pool: PoolConfig) => BrowserSource;

/** The real sources, configured from `config`. */
export function createSourceFactory(config: BrokerConfig, deps: { clock: Clock; logger: Logger }): SourceFactory {
  const marker = currentInstanceMarker(config.local.dataDir);
  return (pool) => {
    const s = pool.source;
    switch (s.kind) {
      case 'local':
        return createLocalSource({
          pool: pool.name,
          executable: config.local.executable,
          dataDir: config.local.dataDir,
          marker,
          extraArgs: s.extraArgs,
          noSandbox: config.local.noSandbox,
          launchTimeoutMs: config.local.launchTimeoutMs,
          onReaped: (killed, when) =>
            deps.logger.warn({ pool: pool.name, killed, when }, 'reaped orphaned Chromium processes'),
        });
      case 'static':
        return createStaticSource({
          endpoints: s.endpoints,
          clock: deps.clock,
          onProbeError: (id, e) =>
            deps.logger.debug({ err: e, pool: pool.name, browser: id }, 'endpoint not answering'),
        });
      case 'kubernetes':
        return createKubeSource({
          config: s,
          kubeconfigPath: config.kubeconfigPath,
          gatewaySecret: config.gatewaySecret ?? '',
          clock: deps.clock,
          logger: deps.logger,
        });
    }
  };
}

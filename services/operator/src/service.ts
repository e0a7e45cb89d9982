/**
 * The operator as a runtime service definition: it connects to Kubernetes
 * (KUBECONFIG, else in-cluster), optionally installs the CRDs, and runs the
 * BrowserPool, BrowserSession and AutomationTask controllers (behind leader
 * election with `--leader-elect`); finished tasks become TaskRecords from
 * the record store's sealed records. `/metrics`, `/healthz` and `/readyz` are
 * served on the metrics address by the runtime; `/healthz` and `/readyz`
 * also on the health-probe address. On SIGTERM the controllers finish their
 * running reconciles and a leader releases its Lease.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { systemClock, type ServiceDefinition } from '@nightglow/runtime';
import { createBrokerApi } from './clients/broker-api.js';
import { createExecutorApi } from './clients/executor-api.js';
import { createRecordStoreApi } from './clients/record-store-api.js';
import { createEventRecorder } from './controller/events.js';
import { createControllerMetrics } from './controller/metrics.js';
import { loadConfig, type OperatorConfig } from './config.js';
import { installCrds, loadCrds } from './kube/crds.js';
import { createHttpKubeApi } from './kube/http-kube-api.js';
import { createManager } from './manager/manager.js';
import { startProbeServer } from './manager/probe-server.js';
import { poolControllerSpec } from './pool/pool-controller.js';
import { createSessionFollower, sessionControllerSpec } from './session/session-controller.js';
import { createTaskFollower, taskControllerSpec } from './task/task-controller.js';

/** Creates the operator definition for the given command-line flags. */
export function operatorService(argv: readonly string[]): ServiceDefinition<OperatorConfig> {
  return {
    name: 'operator',
    loadConfig: (env) => loadConfig(env, argv),
    build: async ({ config, logger, metrics, tracing }) => {
      const kc = new KubeConfig();
      if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
      else kc.loadFromCluster();
      const api = createHttpKubeApi(kc);
      const clock = systemClock;
      if (config.installCrds) await installCrds(api, await loadCrds(), clock);
      const broker = createBrokerApi({ baseUrl: config.brokerUrl, tracing });
      const executor = createExecutorApi({ baseUrl: config.executorUrl, tracing });
      const recordStore = createRecordStoreApi({
        baseUrl: config.recordStoreUrl,
        tracing,
        apiKey: config.recordStoreApiKey?.reveal(),
      });
      const events = createEventRecorder({ api, clock, logger });
      // Status follows the broker's and executor's watch streams; polling only while a stream is down.
      const sessionWatch = createSessionFollower({ broker, clock, logger });
      const taskWatch = createTaskFollower({ executor, clock, logger });
      const manager = createManager({
        api,
        clock,
        logger,
        metrics: createControllerMetrics(metrics.registry),
        namespace: config.namespace,
        resyncMs: config.syncPeriodMs,
        leaderElection: config.leaderElect ? config.leaderElection : undefined,
        specs: [
          { ...poolControllerSpec({ api, broker, clock, events }), workers: config.workers },
          sessionControllerSpec({ api, broker, clock, events, watch: sessionWatch }, config.workers),
          taskControllerSpec(
            { api, executor, recordStore, clock, events, watch: taskWatch, recordWaitMs: config.taskRecordWaitMs },
            config.workers,
          ),
        ],
      });
      const probes = await startProbeServer(config.healthProbe, () => manager.ready());
      manager.start();
      // Serve (and say "serving") once the caches synced, so readiness is true from the first probe.
      if (!(await manager.whenReady(30_000))) logger.warn('controllers not ready after 30 s; serving anyway');
      logger.info(
        {
          probes: `${config.healthProbe.host}:${probes.port}`,
          leaderElect: config.leaderElect,
          identity: config.leaderElection.identity,
        },
        'operator started',
      );
      return {
        services: [],
        serveGrpc: false,
        readinessChecks: [async () => (manager.ready() ? undefined : 'controllers are starting (caches not synced)')],
        close: async () => {
          await manager.stop();
          await probes.close();
        },
      };
    },
  };
}

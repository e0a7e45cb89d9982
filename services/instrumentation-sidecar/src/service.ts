/**
 * The instrumentation-sidecar as a runtime service definition: wires the real
 * ports (CDP over WebSocket to `CDP_URL`, Kafka or the in-process bus, the
 * wall clock, the blueprint file) into a {@link createSidecar}, serves the
 * Instrumentation API and the browser's probe (`/browser/healthz`), starts the
 * CDP gateway when a secret is configured, and registers the sidecar's metrics
 * (on the service's own registry, so several sidecars can share a process). A
 * bad blueprint file stops the start (exit 78) naming `BLUEPRINTS_FILE` and the
 * offending field.
 */
import { readFile } from 'node:fs/promises';
import { connectBrowser } from '@nightglow/cdp';
import { createKafkaBus, createMemoryBus, type EventBus } from '@nightglow/bus';
import { Instrumentation } from '@nightglow/contracts/instrumentation/v1';
import { ConfigError, registration, systemClock, type Clock, type ServiceDefinition } from '@nightglow/runtime';
import { createFileBlueprintSource } from './blueprints/blueprint-file.js';
import { BROWSER_HEALTH_PATH, createBrowserHealthCheck } from './browser-health.js';
import { loadConfig, type SidecarConfig } from './config.js';
import { isSidecarError } from './errors.js';
import { createCdpGateway, type CdpGateway } from './gateway/cdp-gateway.js';
import { registerSidecarMetrics } from './metrics.js';
import { createInstrumentationHandlers } from './rpc/handlers.js';
import { claimSidecarId } from './shared-bus.js';
import { createSidecar } from './sidecar.js';

/**
 * The sidecar's producer batching: up to 5 000 envelopes or 2 MiB per batch,
 * 20 ms linger. With one acks=all request in flight, throughput is batch size ÷
 * round trip; the bus default (500) capped it at ~5 000 measurements/s here.
 * 2 MiB of measurements gzip far below Kafka's 1 MB batch limit.
 */
export const SIDECAR_KAFKA_BATCH = { maxMessages: 5000, maxBytes: 2 * 1024 * 1024, lingerMs: 20 } as const;

/** How long start-up waits for the first browser attach before serving anyway, ms. */
const ATTACH_WAIT_MS = 5000;

type Log = Parameters<ServiceDefinition<SidecarConfig>['build']>[0]['logger'];

function createBus(config: SidecarConfig, logger: Log): { bus: EventBus; start: () => Promise<void> } {
  if (config.bus.kind === 'memory') {
    return { bus: createMemoryBus({ topicPrefix: config.bus.topicPrefix, logger }), start: () => Promise.resolve() };
  }
  const bus = createKafkaBus({
    brokers: config.bus.brokers,
    clientId: config.bus.clientId,
    topicPrefix: config.bus.topicPrefix,
    logger,
    batch: SIDECAR_KAFKA_BATCH,
  });
  return { bus, start: () => bus.start() };
}

/** Keeps trying `step` with capped backoff until it resolves or `stopped()` says to give up. */
async function keepTrying(
  clock: Clock,
  step: () => Promise<void>,
  stopped: () => boolean,
  onError: (e: unknown) => void,
): Promise<void> {
  for (let attempt = 0; !stopped(); attempt++) {
    try {
      return await step();
    } catch (error) {
      onError(error);
      await clock.sleep(Math.min(10_000, 500 * 2 ** Math.min(attempt, 5)));
    }
  }
}

/**
 * Ports an embedding host or a test may replace. The all-in-one runs several
 * sidecars in one process on one in-process bus: each needs its own
 * `SIDECAR_ID` (its command consumer group), and a second sidecar claiming an
 * id already running on the same bus is refused (ConfigError naming `SIDECAR_ID`).
 */
export type SidecarOverrides = {
  /** Used instead of the configured bus (`EVENT_BUS` is then ignored); the sidecar neither starts nor closes it. */
  readonly bus?: EventBus;
  /** Time for the sidecar, its RPCs and its retries; default the wall clock. */
  readonly clock?: Clock;
};

/** A sidecar definition using `overrides` where given, the configured ports elsewhere. */
export function createInstrumentationSidecarService(
  overrides: SidecarOverrides = {},
): ServiceDefinition<SidecarConfig> {
  const clock = overrides.clock ?? systemClock;
  return {
    name: 'instrumentation-sidecar',
    loadConfig,
    build: async ({ config, logger, metrics }) => {
      const injected = overrides.bus;
      const { bus, start: startBus } =
        injected === undefined ? createBus(config, logger) : { bus: injected, start: () => Promise.resolve() };
      const release = claimSidecarId(bus, config.sidecarId);
      if (release === undefined)
        throw new ConfigError([
          { variable: 'SIDECAR_ID', message: `${config.sidecarId} is already used by another sidecar on this bus` },
        ]);
      const closeBus = async (): Promise<void> => {
        release();
        if (injected === undefined) await bus.close();
      };
      const counted: { commands?: (result: string) => void } = {};
      const sidecar = createSidecar({
        bus,
        connect: () => connectBrowser(config.cdpUrl, { commandTimeoutMs: config.cdpCommandTimeoutMs }),
        clock,
        blueprints: createFileBlueprintSource(config.blueprintsFile, (path) => readFile(path, 'utf8')),
        logger,
        sidecarId: config.sidecarId,
        pool: config.pool,
        commandTimeoutMs: config.cdpCommandTimeoutMs,
        onCommandResult: (result) => counted.commands?.(result),
      });
      try {
        await sidecar.start();
      } catch (error) {
        await closeBus();
        if (isSidecarError(error, 'INVALID_ARGUMENT'))
          throw new ConfigError([{ variable: 'BLUEPRINTS_FILE', message: error.message }]);
        throw error;
      }
      // usually the browser is there already: give it a moment so the first /readyz is true (never blocks start-up)
      await Promise.race([sidecar.browser.ready().catch(() => undefined), clock.sleep(ATTACH_WAIT_MS)]);
      const { commands } = registerSidecarMetrics(metrics.registry, {
        busStats: () => bus.stats(),
        attachedTargets: () => sidecar.browser.pages().length,
        instruments: () =>
          sidecar.registry.entries().map((e) => ({ name: e.blueprint.name, samples: e.samples, errors: e.errors })),
      });
      counted.commands = (result) => commands.child(result).inc();
      let closing = false;
      const background = keepTrying(
        clock,
        async () => {
          await startBus();
          await sidecar.consumeCommands();
        },
        () => closing,
        (error) => logger.warn({ err: String(error) }, 'event bus not ready; retrying'),
      );
      let gateway: CdpGateway | undefined;
      if (config.gatewaySecret !== undefined) {
        gateway = createCdpGateway({
          upstream: config.cdpUrl,
          secret: config.gatewaySecret,
          host: config.server.host,
          port: config.gatewayPort,
          onError: (error, what) => logger.warn({ err: String(error) }, `cdp gateway: ${what} failed`),
        });
        try {
          logger.info({ port: await gateway.start() }, 'cdp gateway listening');
        } catch (error) {
          closing = true;
          await sidecar.stop();
          await closeBus();
          throw error;
        }
      }
      return {
        services: [registration(Instrumentation, createInstrumentationHandlers(sidecar, clock))],
        readinessChecks: [
          () =>
            Promise.resolve(
              sidecar.browser.state() === 'ATTACHED' ? undefined : `browser at ${config.cdpUrl} not attached`,
            ),
          () => Promise.resolve(bus.state() === 'READY' ? undefined : `event bus is ${bus.state()}`),
        ],
        extraProbes: { [BROWSER_HEALTH_PATH]: createBrowserHealthCheck(config.cdpUrl) },
        close: async () => {
          closing = true;
          await sidecar.stop();
          await gateway?.stop();
          await closeBus();
          await background.catch(() => undefined);
        },
      };
    },
  };
}

/** The instrumentation-sidecar with its configured ports, ready for `runService` (its `main.ts`) or `startService`. */
export const instrumentationSidecarService: ServiceDefinition<SidecarConfig> = createInstrumentationSidecarService();

/**
 * The instrumentation-sidecar as a runtime service definition: wires the real
 * ports (CDP over WebSocket to `CDP_URL`, Kafka or the in-process bus, the
 * wall clock, the blueprint file) into a {@link createSidecar}, serves the
 * Instrumentation API, starts the CDP gateway when a secret is configured, and
 * registers the sidecar's metrics. A bad blueprint file stops the start (exit
 * 78) naming `BLUEPRINTS_FILE` and the offending field.
 */
import { readFile } from 'node:fs/promises';
import { connectBrowser } from '@nightglow/cdp';
import { createKafkaBus, createMemoryBus, type EventBus } from '@nightglow/bus';
import { Instrumentation } from '@nightglow/contracts/instrumentation/v1';
import { ConfigError, registration, systemClock, type ServiceDefinition } from '@nightglow/runtime';
import { createFileBlueprintSource } from './blueprints/blueprint-file.js';
import { loadConfig, type SidecarConfig } from './config.js';
import { isSidecarError } from './errors.js';
import { createCdpGateway, type CdpGateway } from './gateway/cdp-gateway.js';
import { registerSidecarMetrics } from './metrics.js';
import { createInstrumentationHandlers } from './rpc/handlers.js';
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
  step: () => Promise<void>,
  stopped: () => boolean,
  onError: (e: unknown) => void,
): Promise<void> {
  for (let attempt = 0; !stopped(); attempt++) {
    try {
      return await step();
    } catch (error) {
      onError(error);
      await systemClock.sleep(Math.min(10_000, 500 * 2 ** Math.min(attempt, 5)));
    }
  }
}

/** The instrumentation-sidecar, ready for `runService` (its `main.ts`) or `startService` (tests, all-in-one). */
export const instrumentationSidecarService: ServiceDefinition<SidecarConfig> = {
  name: 'instrumentation-sidecar',
  loadConfig,
  build: async ({ config, logger, metrics }) => {
    const { bus, start: startBus } = createBus(config, logger);
    const counted: { commands?: (result: string) => void } = {};
    const sidecar = createSidecar({
      bus,
      connect: () => connectBrowser(config.cdpUrl, { commandTimeoutMs: config.cdpCommandTimeoutMs }),
      clock: systemClock,
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
      await bus.close();
      if (isSidecarError(error, 'INVALID_ARGUMENT'))
        throw new ConfigError([{ variable: 'BLUEPRINTS_FILE', message: error.message }]);
      throw error;
    }
    // usually the browser is there already: give it a moment so the first /readyz is true (never blocks start-up)
    await Promise.race([sidecar.browser.ready().catch(() => undefined), systemClock.sleep(ATTACH_WAIT_MS)]);
    const { commands } = registerSidecarMetrics(metrics.registry, {
      busStats: () => bus.stats(),
      attachedTargets: () => sidecar.browser.pages().length,
      instruments: () =>
        sidecar.registry.entries().map((e) => ({ name: e.blueprint.name, samples: e.samples, errors: e.errors })),
    });
    counted.commands = (result) => commands.child(result).inc();
    let closing = false;
    const background = keepTrying(
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
      const port = await gateway.start();
      logger.info({ port }, 'cdp gateway listening');
    }
    return {
      services: [registration(Instrumentation, createInstrumentationHandlers(sidecar, systemClock))],
      readinessChecks: [
        () =>
          Promise.resolve(
            sidecar.browser.state() === 'ATTACHED' ? undefined : `browser at ${config.cdpUrl} not attached`,
          ),
        () => Promise.resolve(bus.state() === 'READY' ? undefined : `event bus is ${bus.state()}`),
      ],
      close: async () => {
        closing = true;
        await sidecar.stop();
        await gateway?.stop();
        await bus.close();
        await background.catch(() => undefined);
      },
    };
  },
};

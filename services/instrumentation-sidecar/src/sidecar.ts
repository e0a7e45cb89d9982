/**
 * The sidecar assembled from its ports: the CDP connection, the event bus, the
 * clock and the blueprint source. `service.ts` wires the real ones; tests wire
 * a fake browser and the in-memory bus, or real Chromium and Kafka.
 *
 * Lifecycle: `STARTING` → `RUNNING` (`start()`: blueprints loaded, browser
 * attach running in the background; `consumeCommands()` once the bus is up) → `DRAINING` (`stop()`:
 * samplers stop, in-flight samples finish, signals handed to the bus) →
 * `STOPPED`. The bus itself is closed by its owner.
 */
import type { CdpConnection } from '@nightglow/cdp';
import type { BusLogger, EventBus, Subscription } from '@nightglow/bus';
import type { Clock } from '@nightglow/runtime';
import { builtinBlueprints } from './blueprints/builtins.js';
import { parseBlueprintFile, type BlueprintSource } from './blueprints/blueprint-file.js';
import { createCommandApplier, type CommandApplier } from './commands/apply-command.js';
import { startCommandConsumer, type CommandResult } from './commands/command-consumer.js';
import { createInstrumentRegistry, type InstrumentRegistry } from './instruments/registry.js';
import { createSampler, type Sampler } from './instruments/sampler.js';
import { createBrowserAttach, type BrowserAttach } from './pages/browser-attach.js';
import { createDetectionCache } from './pages/detections.js';
import { createSessionMap, type SessionMap } from './pages/session-map.js';
import { createMeasurementHub, type MeasurementHub } from './publish/measurement-hub.js';
import { createSignalPublisher, type SignalPublisher } from './publish/signal-publisher.js';
import { createSignalEngine } from './signals/signal-engine.js';

/** The lifecycle states; see the module comment. */
export type SidecarState = 'STARTING' | 'RUNNING' | 'DRAINING' | 'STOPPED';

/** The ports and settings of a sidecar. */
export type SidecarDeps = {
  readonly bus: EventBus;
  /** Connects to the browser (the real one: `connectBrowser(CDP_URL)`). */
  readonly connect: () => Promise<CdpConnection>;
  readonly clock: Clock;
  readonly blueprints: BlueprintSource;
  readonly logger: BusLogger;
  /** This sidecar's id (pod name): its command consumer group and the envelopes' source instance. */
  readonly sidecarId: string;
  /** Pool of this sidecar's browser, for pages no session claims. */
  readonly pool: string;
  readonly version?: string;
  /** Timeout of every CDP command the sidecar sends, ms. Default 5 000. */
  readonly commandTimeoutMs?: number;
  readonly random?: () => number;
  readonly onCommandResult?: (result: CommandResult) => void;
};

/** A sidecar; see the module comment. */
export type Sidecar = {
  readonly registry: InstrumentRegistry;
  readonly sessions: SessionMap;
  readonly hub: MeasurementHub;
  readonly publisher: SignalPublisher;
  readonly browser: BrowserAttach;
  readonly sampler: Sampler;
  readonly commands: CommandApplier;
  state(): SidecarState;
  /** Loads the blueprints (a bad file throws INVALID_ARGUMENT naming the field) and starts the browser attach. */
  start(): Promise<void>;
  /** Joins this sidecar's `instrument-commands` group (needs a READY bus); resolves once consuming. */
  consumeCommands(): Promise<void>;
  /** Reloads built-ins plus the blueprint file; a bad file throws INVALID_ARGUMENT and changes nothing. */
  reload(): Promise<void>;
  stop(): Promise<void>;
};

/** Assembles a sidecar (in `STARTING`; nothing runs until `start()`). */
export function createSidecar(deps: SidecarDeps): Sidecar {
  const commandTimeoutMs = deps.commandTimeoutMs ?? 5000;
  let state: SidecarState = 'STARTING';
  let subscription: Subscription | undefined;
  const registry = createInstrumentRegistry(deps.clock.now);
  const sessions = createSessionMap(deps.pool, deps.clock.now);
  const hub = createMeasurementHub();
  const publisher = createSignalPublisher({
    bus: deps.bus,
    source: { service: 'instrumentation-sidecar', instance: deps.sidecarId, version: deps.version ?? '0.1.0' },
    logger: deps.logger,
    now: deps.clock.now,
    onMeasurement: (m) => hub.publish(m),
  });
  const signals = createSignalEngine(publisher);
  const detections = createDetectionCache();
  const browser = createLazyAttach();
  function createLazyAttach(): BrowserAttach {
    let real: BrowserAttach | undefined;
    const started = (): BrowserAttach =>
      (real ??= createBrowserAttach({
        connect: deps.connect,
        clock: deps.clock,
        commandTimeoutMs,
        onPageEvent: (page, event) => sampler.onPageEvent(page, event),
        onPagesChanged: (page, attached) => {
          if (!attached) detections.forget(page.targetId);
          const n = real?.pages().length ?? 0;
          for (const e of registry.entries()) e.targets = n;
        },
        onError: (error, what) =>
          deps.logger.warn({ err: error instanceof Error ? error.message : String(error) }, `browser: ${what} failed`),
      }));
    return {
      state: () => real?.state() ?? 'CONNECTING',
      pages: () => real?.pages() ?? [],
      page: (id) => real?.page(id),
      connection: () => real?.connection(),
      ready: () => started().ready(),
      stop: () => real?.stop() ?? Promise.resolve(),
    };
  }
  const sampler: Sampler = createSampler({
    registry,
    sessions,
    pages: browser,
    clock: deps.clock,
    detections,
    commandTimeoutMs,
    publisher,
    signals,
    now: deps.clock.now,
    random: deps.random ?? Math.random,
  });
  registry.onChange((change) => {
    if (change.kind !== 'toggle') signals.forget(change.name);
    sampler.reschedule();
  });

  const reload = async (): Promise<void> => {
    const text = await deps.blueprints.load();
    const fromFile = text === undefined ? [] : parseBlueprintFile(text);
    registry.replaceAll(builtinBlueprints(), fromFile);
  };
  const commands = createCommandApplier({ registry, sidecarId: deps.sidecarId, pool: deps.pool, reload });

  return {
    registry,
    sessions,
    hub,
    publisher,
    browser,
    sampler,
    commands,
    state: () => state,
    reload,
    async start() {
      await reload();
      void browser.ready().catch(() => undefined); // starts the background attach
      state = 'RUNNING';
    },
    async consumeCommands() {
      if (subscription !== undefined || state !== 'RUNNING') return;
      subscription = await startCommandConsumer({
        bus: deps.bus,
        applier: commands,
        sidecarId: deps.sidecarId,
        logger: deps.logger,
        ...(deps.onCommandResult === undefined ? {} : { onResult: deps.onCommandResult }),
      });
    },
    async stop() {
      if (state === 'STOPPED' || state === 'DRAINING') return;
      state = 'DRAINING';
      sampler.stop();
      hub.close();
      await subscription?.close();
      await browser.stop();
      await sampler.idle();
      await publisher.settle();
      state = 'STOPPED';
    },
  };
}

/**
 * Test support (not part of the package surface): a broker started in-process
 * on free loopback ports with its own LOCAL_DATA_DIR (so leftovers are
 * attributable), an in-process bus the test can read, optionally a manual
 * clock, and a typed gRPC client. `stop()` asserts no Chromium is left.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryBus, type MemoryBus } from '@nightglow/bus';
import type { Client } from '@connectrpc/connect';
import { SessionBroker } from '@nightglow/contracts/broker/v1';
import { createServiceClient, createTracing, startService, type Clock, type StartedService } from '@nightglow/runtime';
import type { SourceFactory } from '../browsers/source-factory.js';
import type { BrokerConfig } from '../config.js';
import { createSessionBrokerService } from '../service.js';
import { expectNoChromiumUnder } from './fixtures.js';

/** A running broker for a test file. */
export type Harness = {
  readonly service: StartedService<BrokerConfig>;
  readonly client: Client<typeof SessionBroker>;
  readonly bus: MemoryBus;
  readonly dataDir: string;
  readonly httpPort: number;
  readonly grpcPort: number;
  /** `ws://127.0.0.1:<http port>` */
  readonly wsBase: string;
  /** Stops the broker and asserts that no Chromium process of it is left. */
  stop(): Promise<void>;
};

/** Options of {@link startBroker}. */
export type HarnessOptions = {
  /** The pool file content (an object, written as JSON). */
  readonly pools: unknown;
  readonly env?: Readonly<Record<string, string>>;
  readonly clock?: Clock;
  /** Replaces the browser sources (e.g. a kubernetes source with a test pod network). */
  readonly sourceFor?: SourceFactory;
  /** LOCAL_DATA_DIR to use (default: a fresh temp folder). */
  readonly dataDir?: string;
};

/** Starts a broker for a test. */
export async function startBroker(opts: HarnessOptions): Promise<Harness> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'ngb-test-'));
  const bus = createMemoryBus();
  const def = createSessionBrokerService({
    bus,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.sourceFor ? { sourceFor: opts.sourceFor } : {}),
  });
  const service = await startService(def, {
    GRPC_PORT: '0',
    HTTP_PORT: '0',
    BIND_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    LOCAL_DATA_DIR: dataDir,
    POOLS: JSON.stringify(opts.pools),
    DRAIN_DELAY: '0s',
    SHUTDOWN_TIMEOUT: '5s',
    ...opts.env,
  });
  const client = createServiceClient(SessionBroker, {
    baseUrl: `http://127.0.0.1:${service.server.grpcPort}`,
    tracing: createTracing({ serviceName: 'broker-test', otlpEndpoint: undefined, sampleRatio: 0 }),
  });
  return {
    service,
    client,
    bus,
    dataDir,
    httpPort: service.server.httpPort,
    grpcPort: service.server.grpcPort,
    wsBase: `ws://127.0.0.1:${service.server.httpPort}`,
    async stop() {
      await service.stop();
      await bus.close();
      await expectNoChromiumUnder(dataDir);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Test support: the whole broker in memory: memory backend, fake browsers, a
 * manual clock, and a typed client over connect's in-memory router transport
 * (so handler decoding and error mapping are exercised too).
 */
import { randomBytes } from 'node:crypto';
import { createClient, createRouterTransport, type Client } from '@connectrpc/connect';
import { SessionBroker } from '@nightglow/contracts/broker/v1';
import { createLogger, createManualClock, createMetrics, type ManualClock } from '@nightglow/runtime';
import { createBroker, type Broker } from '../broker.js';
import { loadConfig } from '../config.js';
import { noSidecars } from '../sessions/sidecar.js';
import { createTokenAuthority, type TokenAuthority } from '../sessions/tokens.js';
import { createMemoryBackend } from '../store/memory-store.js';
import type { SessionChange, StateBackend } from '../store/port.js';
import { createFakeBrowsers, type FakeBrowsers } from './fake-browsers.js';

/** A broker built for a unit test. */
export type UnitBroker = {
  readonly broker: Broker;
  readonly client: Client<typeof SessionBroker>;
  readonly clock: ManualClock;
  readonly fakes: FakeBrowsers;
  readonly backend: StateBackend;
  readonly tokens: TokenAuthority;
  /** Every change this replica made, in order. */
  readonly changes: SessionChange[];
  close(): Promise<void>;
};

/** Builds and starts a broker over fakes; `pools` is the pool file content. */
export async function startUnitBroker(pools: unknown, env: Record<string, string> = {}): Promise<UnitBroker> {
  const clock = createManualClock(Date.UTC(2030, 0, 1));
  const fakes = createFakeBrowsers();
  const backend = createMemoryBackend({ now: () => clock.now() });
  const changes: SessionChange[] = [];
  const tokens = createTokenAuthority(randomBytes(32));
  const config = loadConfig({ POOLS: JSON.stringify(pools), LOCAL_DATA_DIR: '/nonexistent', ...env });
  const broker = createBroker({
    config,
    backend,
    observers: [(c) => changes.push(c)],
    clock,
    logger: createLogger({ service: 'broker-unit', level: 'silent' }),
    metrics: createMetrics('session-broker'),
    tokens,
    identity: { id: 'replica-1', address: () => '127.0.0.1:1', cdpBase: () => 'ws://127.0.0.1:1' },
    sourceFor: () => fakes.source(),
    connect: fakes.connect,
    sidecars: noSidecars,
  });
  await broker.start();
  const client = createClient(
    SessionBroker,
    createRouterTransport(({ service }) => service(SessionBroker, broker.handlers)),
  );
  return { broker, client, clock, fakes, backend, tokens, changes, close: () => broker.close() };
}

/** Lets queued promise callbacks run (fakes answer asynchronously). */
export async function flushAsync(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/**
 * A sidecar for unit tests: a fake Chromium, a recording in-process bus, a
 * manual clock and fixed randomness, started and attached, with its RPC
 * handlers and a `settle()` that waits for every sample and publish.
 */
import { createMemoryBus, silentLogger } from '@nightglow/bus';
import { flush } from '@nightglow/cdp/testing';
import { createManualClock } from '@nightglow/runtime';
import { createInstrumentationHandlers } from '../rpc/handlers.js';
import { createSidecar } from '../sidecar.js';
import { fakeChromium } from './fake-page.js';
import { recordingBus } from './recording-bus.js';

/** Starts a unit-test sidecar; `file` is the blueprint file's text (none when undefined). */
export async function startUnitSidecar(file?: string) {
  const fake = fakeChromium();
  const bus = recordingBus(createMemoryBus());
  const clock = createManualClock(1_700_000_000_000);
  const sidecar = createSidecar({
    bus,
    connect: fake.connect,
    clock,
    blueprints: { origin: 'test', load: () => Promise.resolve(file) },
    logger: silentLogger,
    sidecarId: 'sc-1',
    pool: 'pool-a',
    random: () => 0.5,
  });
  await sidecar.start();
  await sidecar.browser.ready();
  const rpc = createInstrumentationHandlers(sidecar, clock);
  const settle = async (): Promise<void> => {
    await flush();
    await sidecar.sampler.idle();
    await sidecar.publisher.settle();
  };
  return { fake, bus, clock, sidecar, rpc, settle };
}

import { describe, expect, it } from 'vitest';
import { createManualClock } from '@nightglow/runtime';
import { describeStoreContract } from '../test-support/store-contract.js';
import { createMemoryBackend } from './memory-store.js';

describeStoreContract('memory', () => Promise.resolve(createMemoryBackend({ now: () => Date.now() })));

describe('memory lease', () => {
  it('lapses after its TTL on the injected clock', async () => {
    const clock = createManualClock(0);
    const b = createMemoryBackend({ now: () => clock.now() });
    expect(await b.lease.tryAcquire('a', 1_000)).toBe(true);
    expect(await b.lease.tryAcquire('b', 1_000)).toBe(false);
    clock.advance(1_000);
    expect(await b.lease.tryAcquire('b', 1_000)).toBe(true);
    await b.replicas.heartbeat('r', 500);
    clock.advance(500);
    expect(await b.replicas.isAlive('r')).toBe(false);
  });
});

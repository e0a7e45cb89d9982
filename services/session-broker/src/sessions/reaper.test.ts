import { durationFromMs } from '@bufbuild/protobuf/wkt';
import { Code, type ConnectError } from '@connectrpc/connect';
import { CloseReason, SessionState } from '@nightglow/contracts/broker/v1';
import { createLogger, createManualClock } from '@nightglow/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryBackend } from '../store/memory-store.js';
import { sampleRecord } from '../test-support/store-contract.js';
import { flushAsync, startUnitBroker, type UnitBroker } from '../test-support/unit-broker.js';
import { createLifecycle } from './lifecycle.js';
import { createReaper, type ReapOutcome } from './reaper.js';

let ub: UnitBroker | undefined;
afterEach(async () => {
  await ub?.close();
  ub = undefined;
});

const pool = { pools: [{ name: 'default', maxTtl: '1h', local: { prewarm: 0 } }] };
const state = async (id: string) => (await ub?.client.getSession({ sessionId: id }))?.session;

describe('TTL, idle and touch (manual clock)', () => {
  it('closes a session at its TTL', async () => {
    ub = await startUnitBroker(pool);
    const s = (
      await ub.client.createSession({
        options: { ttl: durationFromMs(60_000), idleTimeout: durationFromMs(3_600_000) },
      })
    ).session;
    ub.clock.advance(59_000);
    await flushAsync();
    expect((await state(s?.id ?? ''))?.state).toBe(SessionState.READY);
    ub.clock.advance(1_000);
    await flushAsync();
    const closed = await state(s?.id ?? '');
    expect([closed?.state, closed?.closeReason]).toEqual([SessionState.CLOSED, CloseReason.TTL_EXPIRED]);
  });

  it('closes an idle session; TouchSession resets the idle timer and extends the TTL', async () => {
    ub = await startUnitBroker(pool);
    const options = { ttl: durationFromMs(120_000), idleTimeout: durationFromMs(30_000) };
    const s = (await ub.client.createSession({ options })).session;
    const id = s?.id ?? '';
    ub.clock.advance(20_000);
    const touched = (await ub.client.touchSession({ sessionId: id, extendBy: durationFromMs(60_000) })).session;
    expect(Number(touched?.expireTime?.seconds) * 1000 - Number(s?.expireTime?.seconds) * 1000).toBe(60_000);
    expect(ub.changes.at(-1)?.type).toBe('EXTENDED');
    ub.clock.advance(20_000);
    await flushAsync();
    expect((await state(id))?.state).toBe(SessionState.READY);
    ub.clock.advance(10_000);
    await flushAsync();
    const closed = await state(id);
    expect([closed?.state, closed?.closeReason]).toEqual([SessionState.CLOSED, CloseReason.IDLE_TIMEOUT]);
  });

  it('refuses extensions past max_ttl and touches of sessions that are not READY', async () => {
    ub = await startUnitBroker(pool);
    const id = (await ub.client.createSession({})).session?.id ?? '';
    const tooFar = await ub.client
      .touchSession({ sessionId: id, extendBy: durationFromMs(3_600_000) })
      .catch((e: unknown) => e);
    expect((tooFar as ConnectError).code).toBe(Code.OutOfRange);
    await ub.client.deleteSession({ sessionId: id });
    await flushAsync();
    const notReady = await ub.client.touchSession({ sessionId: id }).catch((e: unknown) => e);
    expect((notReady as ConnectError).code).toBe(Code.FailedPrecondition);
  });
});

describe('reaper', () => {
  it('reaps once with two replicas sharing a backend, fails sessions of dead replicas, forgets old ones', async () => {
    const clock = createManualClock(1_000_000);
    const backend = createMemoryBackend({ now: () => clock.now() });
    const store = backend.sessions;
    const logger = createLogger({ service: 't', level: 'silent' });
    const lifecycle = createLifecycle({ store, clock, observers: [], onError: () => undefined });
    const outcomes: Record<string, ReapOutcome[]> = { a: [], b: [] };
    const reapers = (['a', 'b'] as const).map((replicaId) =>
      createReaper({
        store,
        lease: backend.lease,
        replicas: backend.replicas,
        lifecycle,
        clock,
        logger,
        replicaId,
        intervalMs: 1_000,
        retentionMs: 600_000,
        finishOwned: () => undefined,
        onReaped: (o) => outcomes[replicaId]?.push(o),
      }),
    );
    await backend.replicas.heartbeat('owner', 60_000);
    await store.insert(
      sampleRecord('expired', { ownerId: 'owner', expireTimeMs: clock.now() - 1, lastActivityMs: clock.now() }),
    );
    await store.insert(sampleRecord('orphan', { ownerId: 'dead-replica', expireTimeMs: clock.now() + 60_000 }));
    await store.insert(sampleRecord('old', { state: 'CLOSED', closeTimeMs: clock.now() - 600_000 }));
    await Promise.all(reapers.map((r) => r.tick()));
    await Promise.all(reapers.map((r) => r.tick()));
    const all = [...(outcomes['a'] ?? []), ...(outcomes['b'] ?? [])].sort();
    expect(all).toEqual(['FORGOTTEN', 'OWNER_GONE', 'TTL_EXPIRED']);
    expect((outcomes['a']?.length ?? 0) === 0 || (outcomes['b']?.length ?? 0) === 0).toBe(true);
    expect((await store.get('expired'))?.state).toBe('CLOSING');
    expect((await store.get('orphan'))?.closeReason).toBe('BROWSER_CRASHED');
    expect(await store.get('old')).toBeUndefined();
    await Promise.all(reapers.map((r) => r.stop()));
  });
});

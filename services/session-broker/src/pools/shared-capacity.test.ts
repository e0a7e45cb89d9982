import { createManualClock, type Logger } from '@nightglow/runtime';
import { describe, expect, it } from 'vitest';
import { BrokerError } from '../errors.js';
import { createMemoryBackend } from '../store/memory-store.js';
import type { PositionChange } from './capacity-queue.js';
import { createSharedCapacity } from './shared-capacity.js';

const silent = { warn: () => undefined } as unknown as Logger;
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
};

/** Two "replicas" of pool p (2 seats, 2 waiters at most) on one backend's ledger. */
function setup() {
  const clock = createManualClock(1_000);
  const backend = createMemoryBackend({ now: () => clock.now() });
  const positions: PositionChange[][] = [];
  const replica = (replicaId: string) =>
    createSharedCapacity({
      pool: 'p',
      maxInUse: 2,
      maxQueued: 2,
      ledger: backend.seats,
      replicaId,
      clock,
      logger: silent,
      pollEveryMs: 1_000,
      onPositions: (c) => positions.push([...c]),
    });
  // Both replicas heartbeat (the reaper does it in a broker) far beyond these tests.
  void backend.replicas.heartbeat('a', 3_600_000);
  void backend.replicas.heartbeat('b', 3_600_000);
  return { clock, backend, a: replica('a'), b: replica('b'), positions };
}

const reasonOf = (e: unknown): string => (e instanceof BrokerError ? `${e.code}/${e.reason}` : String(e));

describe('shared capacity (pool-wide seats)', () => {
  it('admits maxSessions across replicas together, then queues pool-wide in FIFO order', async () => {
    const { a, b, backend } = setup();
    expect(await a.admit('s1', 10_000)).toEqual({ granted: true });
    expect(await b.admit('s2', 10_000)).toEqual({ granted: true });
    const third = await b.admit('s3', 10_000);
    const fourth = await a.admit('s4', 10_000);
    expect(third.granted ? 0 : third.position).toBe(1);
    expect(fourth.granted ? 0 : fourth.position).toBe(2);
    expect(await backend.seats.figures('p')).toEqual({ inUse: 2, queued: 2 });
    const order: string[] = [];
    if (!third.granted) void third.seat.then(() => order.push('s3'));
    if (!fourth.granted) void fourth.seat.then(() => order.push('s4'));
    a.release('s1'); // freed on A: the oldest waiter, on B, gets it
    await settle();
    expect(order).toEqual(['s3']);
    b.release('s2');
    await settle();
    expect(order).toEqual(['s3', 's4']);
    expect(await a.figures()).toEqual({ inUse: 2, queued: 0 });
  });

  it('refuses with RESOURCE_EXHAUSTED: QUEUE_TIMEOUT without a wait, QUEUE_FULL when the queue is full', async () => {
    const { a, b } = setup();
    await a.admit('s1', 10_000);
    await b.admit('s2', 10_000);
    await expect(a.admit('x', 0)).rejects.toSatisfy((e) => reasonOf(e) === 'RESOURCE_EXHAUSTED/QUEUE_TIMEOUT');
    await b.admit('s3', 10_000);
    await a.admit('s4', 10_000);
    const full = await b.admit('s5', 10_000).catch((e: unknown) => e as BrokerError);
    expect(reasonOf(full)).toBe('RESOURCE_EXHAUSTED/QUEUE_FULL');
    expect((full as BrokerError).metadata).toMatchObject({ queueLength: '2' });
  });

  it('times a waiter out on the clock and gives its place up pool-wide', async () => {
    const { a, b, clock, backend } = setup();
    await a.admit('s1', 10_000);
    await a.admit('s2', 10_000);
    const waiting = await b.admit('s3', 5_000);
    const outcome = waiting.granted ? Promise.resolve('granted') : waiting.seat.then(() => 'granted', reasonOf);
    clock.advance(5_000);
    expect(await outcome).toBe('RESOURCE_EXHAUSTED/QUEUE_TIMEOUT');
    await settle();
    expect(await backend.seats.figures('p')).toEqual({ inUse: 2, queued: 0 });
  });

  it('reports pool-wide position changes of its waiters', async () => {
    const { a, b, positions } = setup();
    await a.admit('s1', 10_000);
    await a.admit('s2', 10_000);
    const first = await b.admit('s3', 10_000);
    if (!first.granted) first.seat.catch(() => undefined);
    const later = await b.admit('s4', 10_000);
    expect(later.granted).toBe(false);
    expect(a.cancel('s3')).toBe(false); // not A's waiter
    expect(b.cancel('s3')).toBe(true);
    await settle();
    expect(positions.flat()).toContainEqual({ id: 's4', position: 1 });
  });

  it('frees the seats of a replica whose heartbeat lapsed, and seats this replica no longer knows', async () => {
    const { a, b, clock, backend } = setup();
    await backend.replicas.heartbeat('b', 3_000); // B's last heartbeat
    await b.admit('s1', 10_000);
    await backend.seats.admit({ pool: 'p', id: 'leaked', replicaId: 'a', maxSeats: 2, maxQueued: 2, mayQueue: false });
    const waiting = await a.admit('s2', 60_000);
    expect(waiting.granted).toBe(false);
    let granted = false;
    if (!waiting.granted) void waiting.seat.then(() => (granted = true));
    clock.advance(1_000); // A's sweep: 'leaked' is A's but unknown to it → freed; s2 takes it
    await settle();
    expect(granted).toBe(true);
    b.close(); // B stops heartbeating (crashed): its seat comes back after the heartbeat TTL
    clock.advance(2_000);
    await settle();
    expect(await backend.seats.figures('p')).toEqual({ inUse: 2, queued: 0 }); // B's heartbeat still counts
    clock.advance(2_000);
    await settle();
    expect(await backend.seats.figures('p')).toEqual({ inUse: 1, queued: 0 });
    a.close();
  });

  it('answers UNAVAILABLE when the ledger cannot be reached', async () => {
    const { backend, clock } = setup();
    const down = { ...backend.seats, admit: () => Promise.reject(new Error('connection refused')) };
    const capacity = createSharedCapacity({
      pool: 'p',
      maxInUse: 1,
      maxQueued: 1,
      ledger: down,
      replicaId: 'a',
      clock,
      logger: silent,
      pollEveryMs: 1_000,
    });
    await expect(capacity.admit('s1', 1_000)).rejects.toSatisfy(
      (e) => e instanceof BrokerError && e.code === 'UNAVAILABLE',
    );
    capacity.close();
  });
});

import { createManualClock } from '@nightglow/runtime';
import { describe, expect, it } from 'vitest';
import { BrokerError } from '../errors.js';
import { createCapacityQueue, type PositionChange } from './capacity-queue.js';

function setup(maxInUse = 1, maxQueued = 3) {
  const clock = createManualClock(1_000);
  const positions: PositionChange[][] = [];
  const queue = createCapacityQueue({
    pool: 'p',
    maxInUse,
    maxQueued,
    clock,
    onPositions: (c) => positions.push([...c]),
  });
  return { clock, queue, positions };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('capacity queue', () => {
  it('grants free seats at once and refuses a second seat when full', () => {
    const { queue } = setup(2);
    expect(queue.tryAcquire('a')).toBe(true);
    expect(queue.tryAcquire('b')).toBe(true);
    expect(queue.tryAcquire('c')).toBe(false);
    expect(queue.inUse()).toBe(2);
  });

  it('hands freed seats to waiters in FIFO order', async () => {
    const { queue } = setup(1);
    queue.tryAcquire('a');
    const order: string[] = [];
    const waits = ['b', 'c', 'd'].map((id) => queue.enqueue(id, 10_000).then(() => order.push(id)));
    expect(queue.position('c')).toBe(2);
    queue.release('a');
    await settle();
    queue.release('b');
    await settle();
    queue.release('c');
    await Promise.all(waits);
    expect(order).toEqual(['b', 'c', 'd']);
  });

  it('never lets a new request overtake a waiter', () => {
    const { queue } = setup(1);
    queue.tryAcquire('a');
    void queue.enqueue('b', 10_000);
    queue.release('a'); // b gets the seat synchronously
    expect(queue.holds('b')).toBe(true);
    expect(queue.tryAcquire('c')).toBe(false);
  });

  it('refuses a full queue with QUEUE_FULL and the queue length', async () => {
    const { queue } = setup(1, 1);
    queue.tryAcquire('a');
    void queue.enqueue('b', 10_000);
    const refused = queue.refusal(10_000);
    expect(refused?.reason).toBe('QUEUE_FULL');
    expect(refused?.metadata['queueLength']).toBe('1');
    await expect(queue.enqueue('c', 10_000)).rejects.toMatchObject({
      code: 'RESOURCE_EXHAUSTED',
      reason: 'QUEUE_FULL',
    });
  });

  it('refuses to queue when the wait allowed is zero', () => {
    const { queue } = setup(1);
    queue.tryAcquire('a');
    expect(queue.refusal(0)?.reason).toBe('QUEUE_TIMEOUT');
  });

  it('times a waiter out on the injected clock and moves the others up', async () => {
    const { queue, clock, positions } = setup(1);
    queue.tryAcquire('a');
    const b = queue.enqueue('b', 5_000);
    const c = queue.enqueue('c', 60_000);
    clock.advance(4_999);
    expect(queue.position('b')).toBe(1);
    clock.advance(1);
    const error = (await b.catch((e: unknown) => e)) as BrokerError;
    expect(error).toBeInstanceOf(BrokerError);
    expect(error.reason).toBe('QUEUE_TIMEOUT');
    expect(error.metadata['queueLength']).toBe('2');
    expect(queue.position('c')).toBe(1);
    expect(positions.at(-1)).toEqual([{ id: 'c', position: 1 }]);
    queue.release('a');
    await expect(c).resolves.toBeUndefined();
  });

  it('cancels a waiter with CANCELLED and frees its place', async () => {
    const { queue } = setup(1);
    queue.tryAcquire('a');
    const b = queue.enqueue('b', 5_000);
    expect(queue.cancel('b', 'deleted')).toBe(true);
    await expect(b).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(queue.queued()).toBe(0);
    expect(queue.cancel('b')).toBe(false);
  });

  it('ignores releases of ids without a seat', () => {
    const { queue } = setup(1);
    queue.tryAcquire('a');
    queue.release('zzz');
    expect(queue.inUse()).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { createLogger, createManualClock } from '@nightglow/runtime';
import { OperatorError } from '../errors.js';
import { createRateLimiter } from './backoff.js';
import { createController, type ReconcileResult } from './controller.js';
import { createWorkQueue } from './work-queue.js';

const logger = createLogger({ service: 'test', level: 'silent' });

function harness(reconcile: (key: string) => Promise<ReconcileResult>) {
  const clock = createManualClock(0);
  const queue = createWorkQueue({
    clock,
    rateLimiter: createRateLimiter({
      clock,
      perKey: { baseMs: 100, maxMs: 10_000 },
      overall: { qps: 1000, burst: 1000 },
    }),
  });
  const controller = createController({ name: 't', queue, reconcile, clock, logger, workers: 2 });
  return { clock, queue, controller };
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

describe('controller runner', () => {
  it('retries a retryable error with backoff, and not a terminal one', async () => {
    const calls: string[] = [];
    const { clock, queue, controller } = harness(async (key) => {
      calls.push(key);
      if (key === 'flaky' && calls.filter((k) => k === key).length < 3) throw new OperatorError('UNAVAILABLE', 'down');
      if (key === 'bad') throw new OperatorError('INVALID', 'bad spec');
      return {};
    });
    controller.start();
    queue.add('flaky');
    queue.add('bad');
    await flush();
    expect(calls).toEqual(['flaky', 'bad']);
    clock.advance(100);
    await flush();
    clock.advance(200);
    await flush();
    expect(calls).toEqual(['flaky', 'bad', 'flaky', 'flaky']);
    clock.advance(60_000);
    await flush();
    expect(calls.filter((k) => k === 'bad')).toHaveLength(1);
    expect(queue.numRequeues('flaky')).toBe(0);
    await controller.stop();
  });

  it('requeues after requeueAfterMs and never runs one key on two workers at once', async () => {
    let running = 0;
    let maxRunning = 0;
    let release: () => void = () => {};
    let count = 0;
    const { clock, queue, controller } = harness(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      count++;
      if (count === 1) await new Promise<void>((r) => (release = r));
      running--;
      return { requeueAfterMs: 1_000 };
    });
    controller.start();
    queue.add('k');
    await flush();
    queue.add('k');
    queue.add('k');
    await flush();
    expect(count).toBe(1);
    release();
    await flush();
    expect(count).toBe(2);
    expect(maxRunning).toBe(1);
    clock.advance(1_000);
    await flush();
    expect(count).toBe(3);
    await controller.stop();
  });
});

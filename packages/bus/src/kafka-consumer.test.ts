import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { silentLogger } from './deps.js';
import { resolveKafkaConfig } from './kafka-config.js';
import { startKafkaSubscription } from './kafka-consumer.js';
import { createStatsCollector } from './stats.js';
import { createManualClock, settle } from './testing.js';
import { Topic } from '@nightglow/contracts/events/v1';

type Listener = (event: { payload: { error: Error; restart: boolean } }) => void;

/** A kafkajs consumer stand-in: it records its lifecycle and lets the test emit GROUP_JOIN and CRASH. */
function fakeMember() {
  const listeners = new Map<string, Listener>();
  const member = {
    events: { GROUP_JOIN: 'join', CRASH: 'crash' },
    disconnected: false,
    on: (name: string, fn: Listener) => void listeners.set(name, fn),
    connect: () => Promise.resolve(),
    subscribe: () => Promise.resolve(),
    run: () => Promise.resolve(),
    disconnect: () => {
      member.disconnected = true;
      return Promise.resolve();
    },
    join: () => listeners.get('join')?.({ payload: { error: new Error(''), restart: false } }),
    crash: (restart = false) =>
      listeners.get('crash')?.({ payload: { error: new Error('KafkaJSGroupCoordinatorNotFound'), restart } }),
  };
  return member;
}

function setup(maxRestarts: number) {
  const members: Array<ReturnType<typeof fakeMember>> = [];
  const kafka = {
    consumer: () => {
      const m = fakeMember();
      members.push(m);
      return m;
    },
  } as unknown as Kafka;
  const clock = createManualClock();
  const config = resolveKafkaConfig({
    brokers: ['fake:9092'],
    clock,
    consumer: { maxRestarts, retryInitialMs: 100, retryMaxMs: 400, joinTimeoutMs: 60_000 },
  });
  const subscribing = startKafkaSubscription(
    { kafka, config, stats: createStatsCollector(), logger: silentLogger, clock },
    { groupId: 'g', topics: [Topic.ALERTS], handler: () => Promise.resolve() },
  );
  return { members, clock, subscribing };
}

describe('kafka subscription restarts', () => {
  it('replaces a consumer kafkajs gave up on, with backoff, and resolves when the new one joins', async () => {
    const { members, clock, subscribing } = setup(3);
    await settle();
    members[0]?.crash();
    clock.advance(99);
    await settle();
    expect(members).toHaveLength(1);
    clock.advance(1);
    await settle();
    expect(members).toHaveLength(2);
    members[1]?.crash();
    clock.advance(199);
    await settle();
    expect(members).toHaveLength(2); // the second wait doubled
    clock.advance(1);
    await settle();
    members[2]?.join();
    const sub = await subscribing;
    expect(sub.state()).toBe('RUNNING');
    // a restart kafkajs does itself is left to kafkajs
    members[2]?.crash(true);
    clock.advance(1_000);
    await settle();
    expect(members).toHaveLength(3);
    await sub.close();
    expect(sub.state()).toBe('STOPPED');
    expect(members[2]?.disconnected).toBe(true);
  });

  it('gives up after maxRestarts crashes in a row: subscribe rejects UNAVAILABLE', async () => {
    const { members, clock, subscribing } = setup(2);
    const outcome = subscribing.then(
      () => 'joined',
      (e: unknown) => String(e),
    );
    for (let i = 0; i < 3; i++) {
      await settle();
      members[i]?.crash();
      clock.advance(1_000);
    }
    await settle();
    expect(await outcome).toMatch(/UNAVAILABLE|crashed 3 times/);
    expect(members).toHaveLength(3);
  });

  it('becomes FAILED when a running subscription keeps crashing, and the join count resets the budget', async () => {
    const { members, clock, subscribing } = setup(1);
    await settle();
    members[0]?.crash();
    clock.advance(100);
    await settle();
    members[1]?.join(); // resets the budget
    const sub = await subscribing;
    members[1]?.crash();
    clock.advance(100);
    await settle();
    expect(sub.state()).toBe('RUNNING');
    members[2]?.crash();
    await settle();
    expect(sub.state()).toBe('FAILED');
    expect(members).toHaveLength(3);
  });
});

import { Topic } from '@nightglow/contracts/events/v1';
import { useTestEnv } from '@nightglow/testenv';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { createKafkaBus, type KafkaBus } from './kafka-bus.js';
import type { KafkaBusOptions } from './kafka-config.js';
import type { BusRecord, SubscribeOptions, Subscription } from './port.js';
import { alertEnvelope, mixedEnvelope, seqOf } from './testing.js';
import { BUS_TOPICS, topicName, topicOf } from './topics.js';

const { kafka: env } = useTestEnv();
const open: Array<KafkaBus | Subscription> = [];
afterEach(async () => {
  for (const c of open.splice(0).reverse()) await c.close();
});

let counter = 0;
/** A started bus on the shared broker, with topics of its own (a fresh prefix). */
async function startBus(options: Partial<KafkaBusOptions> = {}): Promise<KafkaBus> {
  const bus = createKafkaBus({
    brokers: env.brokers,
    topicPrefix: `it-bus-${process.pid}-${Date.now().toString(36)}-${counter++}`,
    topics: { partitions: 3 },
    consumer: { retryInitialMs: 100, retryMaxMs: 500 },
    ...options,
  });
  open.push(bus);
  await bus.start();
  return bus;
}

async function subscribe(bus: KafkaBus, options: SubscribeOptions): Promise<Subscription> {
  const sub = await bus.subscribe(options);
  open.push(sub);
  return sub;
}

/** Polls `predicate` every 50 ms until it holds (fails after `ms`). */
async function until(predicate: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(predicate()).toBe(true);
}

const events = (records: readonly BusRecord[]) => records.flatMap((r) => (r.kind === 'event' ? [r.envelope] : []));

describe('kafka bus (shared broker)', () => {
  it('publishes 10,000 envelopes and a group consumes each exactly once, keyed, on its topic, in per-session order', async () => {
    const bus = await startBus();
    const received: BusRecord[] = [];
    await subscribe(bus, {
      groupId: 'all',
      topics: BUS_TOPICS,
      fromBeginning: true,
      handler: async (batch) => void received.push(...batch.records),
    });
    const sent = Array.from({ length: 10_000 }, (_, i) => mixedEnvelope(`session-${i % 37}`, i));
    const t0 = performance.now();
    for (let i = 0; i < sent.length; i += 100) await bus.publish(sent.slice(i, i + 100));
    await bus.flush();
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `[bus] published 10,000 envelopes in ${seconds.toFixed(2)} s: ${Math.round(10_000 / seconds)} msg/s (acks=all, gzip)`,
    );

    await until(() => received.length >= 10_000);
    await new Promise((r) => setTimeout(r, 500)); // a duplicate would arrive now
    const got = events(received);
    expect(got).toHaveLength(10_000);
    expect(new Set(got.map((e) => e.eventId))).toEqual(new Set(sent.map((e) => e.eventId)));
    const order = new Map<string, number[]>();
    for (const r of received) {
      if (r.kind !== 'event') continue;
      expect(r.key).toBe(r.envelope.sessionId);
      expect(r.topic).toBe(topicOf(r.envelope));
      expect(r.topicName).toBe(topicName(r.topic, bus.config.topicPrefix));
      const k = `${r.envelope.sessionId}|${r.topic}`;
      order.set(k, [...(order.get(k) ?? []), seqOf(r.envelope)]);
    }
    expect(order.size).toBe(37 * 5);
    for (const seqs of order.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(bus.stats()).toMatchObject({
      published: 10_000,
      delivered: 10_000,
      dropped: { buffer_full: 0, unavailable: 0 },
    });
  });

  it('redelivers a batch whose handler threw (its offset was not committed)', async () => {
    const bus = await startBus();
    const attempts: string[][] = [];
    const done: BusRecord[] = [];
    await subscribe(bus, {
      groupId: 'flaky',
      topics: [Topic.ALERTS],
      fromBeginning: true,
      handler: async (batch) => {
        attempts.push(batch.records.map((r) => `${r.partition}:${r.offset}`));
        if (attempts.length === 1) throw new Error('database unavailable');
        done.push(...batch.records);
      },
    });
    await bus.publish(Array.from({ length: 5 }, (_, i) => alertEnvelope('s1', i)));
    await bus.flush();
    await until(() => done.length >= 5);
    expect(attempts[1]).toEqual(attempts[0]);
    expect(events(done).map(seqOf)).toEqual([0, 1, 2, 3, 4]);
    expect(bus.stats().handlerFailures).toBe(1);
  });

  it('keeps its partitions through a handler slower than the session timeout (heartbeats while it runs)', async () => {
    const bus = await startBus({ consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500 } });
    const offsets: string[] = [];
    await subscribe(bus, {
      groupId: 'slow',
      topics: [Topic.ALERTS],
      fromBeginning: true,
      handler: async (batch) => {
        if (offsets.length === 0) await new Promise((r) => setTimeout(r, 9_000));
        offsets.push(...batch.records.map((r) => `${r.partition}:${r.offset}`));
      },
    });
    await bus.publish([alertEnvelope('s1', 0), alertEnvelope('s1', 1)]);
    await bus.flush();
    await until(() => offsets.length >= 2 && bus.stats().commits >= 1, 20_000);
    await bus.publish([alertEnvelope('s1', 2)]);
    await until(() => offsets.length >= 3);
    await new Promise((r) => setTimeout(r, 1_000)); // a redelivery after a lost membership would arrive now
    expect(new Set(offsets).size).toBe(offsets.length);
    expect(offsets).toHaveLength(3);
    expect(bus.stats().handlerFailures).toBe(0);
  });

  it('resumes a restarted consumer after the last committed offset', async () => {
    const bus = await startBus();
    const first: BusRecord[] = [];
    const sub = await subscribe(bus, {
      groupId: 'resume',
      topics: [Topic.ALERTS],
      fromBeginning: true,
      handler: async (batch) => void first.push(...batch.records),
    });
    await bus.publish(Array.from({ length: 10 }, (_, i) => alertEnvelope(`s${i % 3}`, i)));
    await until(() => first.length === 10);
    await sub.close();
    await bus.publish(Array.from({ length: 10 }, (_, i) => alertEnvelope(`s${i % 3}`, 10 + i)));
    await bus.flush();
    const second: BusRecord[] = [];
    await subscribe(bus, {
      groupId: 'resume',
      topics: [Topic.ALERTS],
      fromBeginning: true,
      handler: async (batch) => void second.push(...batch.records),
    });
    await until(() => second.length >= 10);
    await new Promise((r) => setTimeout(r, 500));
    expect(
      events(second)
        .map(seqOf)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 10 }, (_, i) => 10 + i));
  });

  it('hands garbage bytes over as a decode-error entry and goes on', async () => {
    const bus = await startBus();
    const kafka = new Kafka({ clientId: 'garbage', brokers: env.brokers, logLevel: logLevel.NOTHING });
    const raw = kafka.producer();
    await raw.connect();
    const garbage = Buffer.from([0xff, 0xfe, 0x00, 0x13, 0x37, 0x42, 0x99]);
    await raw.send({
      topic: topicName(Topic.ALERTS, bus.config.topicPrefix),
      messages: [{ key: 's1', value: garbage }],
    });
    await raw.disconnect();
    await bus.publish([alertEnvelope('s1', 1)]);
    const received: BusRecord[] = [];
    await subscribe(bus, {
      groupId: 'dlq',
      topics: [Topic.ALERTS],
      fromBeginning: true,
      handler: async (batch) => void received.push(...batch.records),
    });
    await until(() => received.length >= 2);
    const [bad, good] = received;
    expect(bad).toMatchObject({
      kind: 'undecodable',
      key: 's1',
      offset: '0',
      error: { code: 'DECODE_FAILED', sizeBytes: 7 },
    });
    expect(Buffer.from(bad?.raw ?? [])).toEqual(garbage);
    expect(good).toMatchObject({ kind: 'event', offset: '1' });
    expect(bus.stats()).toMatchObject({ decodeErrors: 1, handlerFailures: 0 });
  });
});

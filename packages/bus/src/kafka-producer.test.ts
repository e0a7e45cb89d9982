import { Topic } from '@nightglow/contracts/events/v1';
import type { Kafka, ProducerBatch } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { silentLogger } from './deps.js';
import { createKafkaProducerPort, laneOf } from './kafka-producer.js';
import { prepareRecord, type OutRecord } from './outgoing.js';
import { alertEnvelope, measurementEnvelope } from './testing.js';
import type { BusTopic } from './topics.js';

const ctx = { prefix: 'ng', droppable: new Set<BusTopic>([Topic.MEASUREMENTS]), maxMessageBytes: () => 1_000_000 };
const records = (sessions: number, each: number): OutRecord[] =>
  Array.from({ length: sessions * each }, (_, i) => {
    const r = prepareRecord(measurementEnvelope(`s-${i % sessions}`, i), ctx).record;
    r.seq = i;
    return r;
  });

/** kafkajs stand-in: every `producer()` records what it was asked to send; `failNext` makes one of them fail. */
function fakeKafka() {
  const producers: Array<{ batches: ProducerBatch[]; failNext: Error | undefined }> = [];
  const kafka = {
    producer: () => {
      const p = { batches: [] as ProducerBatch[], failNext: undefined as Error | undefined };
      producers.push(p);
      return {
        connect: () => Promise.resolve(),
        disconnect: () => Promise.resolve(),
        sendBatch: (batch: ProducerBatch) => {
          const failure = p.failNext;
          p.failNext = undefined;
          if (failure) return Promise.reject(failure);
          p.batches.push(batch);
          return Promise.resolve([]);
        },
      };
    },
  } as unknown as Kafka;
  return { kafka, producers };
}

const sentKeys = (batches: ProducerBatch[]) =>
  batches.flatMap((b) => (b.topicMessages ?? []).flatMap((t) => t.messages.map((m) => String(m.key))));

describe('kafka producer lanes', () => {
  it('keeps every key in one lane and spreads keys over all lanes', () => {
    const all = records(40, 3);
    const lanes = new Map<string, Set<number>>();
    for (const r of all) lanes.set(r.key ?? '', (lanes.get(r.key ?? '') ?? new Set()).add(laneOf(r, 3)));
    expect([...lanes.values()].every((s) => s.size === 1)).toBe(true);
    expect(new Set([...lanes.values()].flatMap((s) => [...s]))).toEqual(new Set([0, 1, 2]));
    const keyless = prepareRecord(alertEnvelope('', 1), ctx).record;
    expect(laneOf(keyless, 3)).toBe(laneOf({ ...keyless }, 3));
    expect(laneOf(all[0] as OutRecord, 1)).toBe(0);
  });

  it('writes each lane its part of a batch, in order, and reports only the part that failed', async () => {
    const { kafka, producers } = fakeKafka();
    const port = createKafkaProducerPort({
      kafka,
      logger: silentLogger,
      requestTimeoutMs: 1000,
      sendRetries: 1,
      lanes: 3,
    });
    await port.connect();
    const batch = records(12, 5);
    expect(await port.send(batch)).toBeUndefined();
    for (const [i, p] of producers.entries()) {
      const mine = batch.filter((r) => laneOf(r, 3) === i).map((r) => r.key);
      expect(sentKeys(p.batches)).toEqual(mine); // in publish order
    }
    const failing = producers[1];
    if (failing) failing.failNext = Object.assign(new Error('Connection timeout'), { retriable: true });
    const outcome = await port.send(batch);
    expect(outcome?.failed.map((r) => r.seq)).toEqual(batch.filter((r) => laneOf(r, 3) === 1).map((r) => r.seq));
    expect(String(outcome?.error)).toContain('Connection timeout');
    for (const p of producers) p.failNext = new Error('broker down');
    await expect(port.send(batch)).rejects.toThrow('broker down');
    await port.disconnect();
  });
});

import { Topic } from '@nightglow/contracts/events/v1';
import type { Kafka, ProducerBatch } from 'kafkajs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { silentLogger } from './deps.js';
import { gzipCodec } from './kafka-gzip.js';
import { createKafkaProducerPort, laneOf, stablePartitioner } from './kafka-producer.js';
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

  it('gives each lane partitions of its own when the lanes divide the partition count', () => {
    const partitioner = stablePartitioner();
    const partitionMetadata = Array.from({ length: 6 }, (_, i) => ({
      partitionErrorCode: 0,
      partitionId: i,
      leader: 1,
      replicas: [1],
      isr: [1],
    }));
    const partitionOf = (r: OutRecord) =>
      partitioner({ topic: r.topicName, partitionMetadata, message: { key: r.key ?? null, value: null } });
    const lanesOfPartition = new Map<number, Set<number>>();
    for (const r of records(200, 1)) {
      const p = partitionOf(r);
      lanesOfPartition.set(p, (lanesOfPartition.get(p) ?? new Set()).add(laneOf(r, 3)));
    }
    expect(lanesOfPartition.size).toBe(6);
    expect([...lanesOfPartition.values()].every((s) => s.size === 1)).toBe(true);
  });

  it('compresses with gzip that zlib reads back', async () => {
    const records = Buffer.from('measurement '.repeat(1000));
    const compressed = await gzipCodec.compress({ buffer: records });
    expect(compressed.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b])); // the gzip magic
    expect(gunzipSync(compressed)).toEqual(records);
    expect(await gzipCodec.decompress(compressed)).toEqual(records);
    expect(compressed.byteLength).toBeLessThan(records.byteLength / 10);
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

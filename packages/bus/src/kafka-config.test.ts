import { Topic } from '@nightglow/contracts/events/v1';
import type { PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { BusError } from './errors.js';
import { topicSpecs } from './kafka-admin.js';
import { classifySendError } from './kafka-client.js';
import { resolveKafkaConfig } from './kafka-config.js';
import { stablePartitioner } from './kafka-producer.js';

describe('resolveKafkaConfig', () => {
  it('applies the documented defaults', () => {
    const c = resolveKafkaConfig({ brokers: ['127.0.0.1:9092'] });
    expect(c).toMatchObject({
      clientId: 'nightglow',
      topicPrefix: 'nightglow',
      batch: { maxMessages: 500, maxBytes: 1024 * 1024, lingerMs: 20 },
      buffer: { maxMessages: 100_000, maxBytes: 64 * 1024 * 1024 },
      retry: { initialMs: 100, maxMs: 5_000 },
      droppableTopics: [Topic.MEASUREMENTS],
      topics: { create: true, partitions: 6, replicationFactor: -1, actionsMaxMessageBytes: 8 * 1024 * 1024 },
      drainTimeoutMs: 10_000,
    });
  });

  it.each([
    [{ batch: { maxMessages: 0 } }, 'batch.maxMessages'],
    [{ buffer: { maxBytes: 1.5 } }, 'buffer.maxBytes'],
    [{ topics: { partitions: -1 } }, 'topics.partitions'],
    [{ topicPrefix: 'bad prefix' }, 'topicPrefix'],
    [{ brokers: [] }, 'brokers'],
  ])('refuses %j with INVALID_CONFIG naming %s', (bad, name) => {
    const attempt = () => resolveKafkaConfig({ brokers: ['b:9092'], ...bad });
    expect(attempt).toThrow(BusError);
    expect(attempt).toThrow(name);
  });
});

describe('topicSpecs', () => {
  it('creates every topic, with max.message.bytes raised on actions only', () => {
    const specs = topicSpecs(resolveKafkaConfig({ brokers: ['b:9092'], topicPrefix: 'x', topics: { partitions: 3 } }));
    expect(specs.map((s) => s.topic)).toContain('x.instrument-commands');
    expect(specs).toHaveLength(8);
    expect(specs.find((s) => s.topic === 'x.actions')?.configEntries).toEqual([
      { name: 'max.message.bytes', value: '8388608' },
    ]);
    expect(specs.filter((s) => s.configEntries !== undefined)).toHaveLength(1);
    expect(specs.every((s) => s.numPartitions === 3)).toBe(true);
  });
});

describe('classifySendError', () => {
  const protocol = (type: string, retriable: boolean) =>
    Object.assign(new Error(type), { name: 'KafkaJSProtocolError', type, retriable });
  const exhausted = (cause: Error) =>
    Object.assign(new Error(cause.message), { name: 'KafkaJSNumberOfRetriesExceeded', cause, retriable: false });

  it('retries connection failures, even after kafkajs gave up', () => {
    const refused = Object.assign(new Error('Connection error: ECONNREFUSED'), {
      name: 'KafkaJSConnectionError',
      retriable: true,
    });
    const f = classifySendError(exhausted(refused));
    expect(f.error).toMatchObject({ code: 'SEND_FAILED', retryable: true });
    expect(f.resetProducer).toBe(false);
  });

  it('refuses for good what the broker will never accept', () => {
    expect(classifySendError(exhausted(protocol('MESSAGE_TOO_LARGE', false))).error).toMatchObject({
      code: 'REJECTED',
      retryable: false,
    });
  });

  it('asks for a new producer when the idempotent sequence is lost', () => {
    const f = classifySendError(protocol('OUT_OF_ORDER_SEQUENCE_NUMBER', false));
    expect(f).toMatchObject({ resetProducer: true, error: { retryable: true } });
  });
});

describe('stablePartitioner', () => {
  const partitionMetadata = [2, 0, 1].map((partitionId) => ({ partitionId }) as PartitionMetadata);
  const partition = stablePartitioner();

  it('puts one key on one partition, and a keyless record where its bytes say', () => {
    const byKey = (key: string) => partition({ topic: 't', partitionMetadata, message: { key, value: 'v' } });
    expect(byKey('session-1')).toBe(byKey('session-1'));
    const keyless = (id: string) =>
      partition({ topic: 't', partitionMetadata, message: { value: `envelope of ${id}` } });
    expect(keyless('e-1')).toBe(keyless('e-1'));
    const spread = new Set(Array.from({ length: 30 }, (_, i) => keyless(`e-${i}`)));
    expect(spread).toEqual(new Set([0, 1, 2]));
  });
});

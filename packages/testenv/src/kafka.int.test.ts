import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { useTestEnv } from './context.js';
import { startKafka, type KafkaServer } from './kafka.js';

type Received = { key: string; value: string; partition: number };

/** Consumes `count` messages of `topic` from the beginning in a fresh consumer group. */
async function consume(consumer: Consumer, topic: string, count: number): Promise<Received[]> {
  const received: Received[] = [];
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`got ${received.length} of ${count} messages`)), 60_000);
    void consumer
      .run({
        eachMessage: async ({ message, partition }) => {
          received.push({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '', partition });
          if (received.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  return received;
}

function client(brokers: string[], clientId: string): Kafka {
  return new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 200 } });
}

describe('kafka (real KRaft broker from the test environment)', () => {
  const { kafka: address } = useTestEnv();
  const open: Array<Producer | Consumer | ReturnType<Kafka['admin']>> = [];
  afterAll(async () => {
    await Promise.all(open.map((c) => c.disconnect().catch(() => undefined)));
  });

  it('creates a topic, and a consumer group reads back what a producer wrote', async () => {
    expect(address.brokers).toEqual([expect.stringMatching(/^127\.0\.0\.1:\d+$/)]);
    const kafka = client(address.brokers, 'testenv-it');
    const admin = kafka.admin();
    open.push(admin);
    await admin.connect();
    const topic = `it-sessions-${process.pid}-${Date.now()}`;
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true })).toBe(true);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(2);

    const producer = kafka.producer();
    open.push(producer);
    await producer.connect();
    const sent = ['s1', 's2', 's3'].map((key, i) => ({ key, value: JSON.stringify({ seq: i, state: 'READY' }) }));
    await producer.send({ topic, acks: -1, messages: sent });

    const consumer = kafka.consumer({ groupId: `it-group-${process.pid}` });
    open.push(consumer);
    await consumer.connect();
    const received = await consume(consumer, topic, 3);
    expect(received.map(({ key, value }) => ({ key, value })).sort((a, b) => a.key.localeCompare(b.key))).toEqual(sent);
  });
});

describe('kafka broker restart (own broker: stopBroker / startBroker)', () => {
  let server: KafkaServer | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it('keeps its port and data across a crash and restart', async () => {
    server = await startKafka();
    const topic = 'it-restart';
    const kafka = client(server.brokers, 'testenv-restart');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'before', value: 'crash' }] });
    await producer.disconnect();

    const firstPid = server.pid();
    await server.stopBroker('SIGKILL');
    expect(server.pid()).toBeUndefined();
    await server.startBroker();
    expect(server.pid()).not.toBe(firstPid);

    const consumer = kafka.consumer({ groupId: 'it-restart-group' });
    await consumer.connect();
    try {
      const received = await consume(consumer, topic, 1);
      expect(received).toEqual([{ key: 'before', value: 'crash', partition: 0 }]);
    } finally {
      await consumer.disconnect();
    }
  });
});

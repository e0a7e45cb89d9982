/**
 * The record store as a service over real Kafka and real PostgreSQL, called
 * through its native gRPC port: garbage on a topic is dead-lettered while
 * ingest goes on, WatchEvents delivers a Kafka event within a second, a task
 * streamed through Kafka is sealed into a record, metrics are exported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timestampFromMs, timestampMs } from '@bufbuild/protobuf/wkt';
import { createClient, type Client } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { createKafkaBus, type KafkaBus } from '@nightglow/bus';
import { RecordStore } from '@nightglow/contracts/records/v1';
import { startService, type StartedService } from '@nightglow/runtime';
import { useTestEnv } from '@nightglow/testenv';
import type { RecordStoreConfig } from '../config.js';
import { recordStoreService } from '../service.js';
import { taskStream } from './fixtures.js';
import { measurement } from './signal-fixtures.js';
import { ADMIN_KEY } from './harness.js';
import { freshDatabase, uniquePrefix } from './pg-support.js';

describe('record store on Kafka and PostgreSQL', () => {
  let service: StartedService<RecordStoreConfig>;
  let producer: KafkaBus;
  let client: Client<typeof RecordStore>;
  let db: pg.Pool;
  const prefix = uniquePrefix('rsk');
  const count = async (sql: string): Promise<number> => Number((await db.query<{ n: number }>(sql)).rows[0]?.n);
  const waitFor = async (sql: string, n: number): Promise<void> => {
    const deadline = Date.now() + 30_000;
    while ((await count(sql)) < n) {
      if (Date.now() > deadline) throw new Error(`${sql}: fewer than ${n}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  beforeAll(async () => {
    const env = useTestEnv();
    const url = await freshDatabase(env.postgres.url);
    db = new pg.Pool({ connectionString: url, max: 2 });
    producer = createKafkaBus({ brokers: env.kafka.brokers, topicPrefix: prefix, batch: { lingerMs: 0 } });
    await producer.start();
    service = await startService(recordStoreService, {
      EVENT_BUS: 'kafka',
      KAFKA_BROKERS: env.kafka.brokers.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      DATABASE_URL: url,
      ADMIN_API_KEY: ADMIN_KEY,
      GRPC_PORT: '0',
      HTTP_PORT: '0',
      LOG_LEVEL: 'silent',
      SEAL_GRACE: '200ms',
      SEAL_INTERVAL: '100ms',
      CONSUMER_LAG_INTERVAL: '1s',
    });
    const transport = createGrpcTransport({
      baseUrl: `http://127.0.0.1:${service.server.grpcPort}`,
      interceptors: [(next) => (req) => (req.header.set('authorization', `Bearer ${ADMIN_KEY}`), next(req))],
    });
    client = createClient(RecordStore, transport);
  });
  afterAll(async () => {
    await service?.stop();
    await producer?.close();
    await db?.end();
  });

  it('dead-letters garbage bytes on a topic and keeps ingesting', async () => {
    const kafka = new Kafka({ clientId: 'garbage', brokers: useTestEnv().kafka.brokers, logLevel: logLevel.NOTHING });
    const raw = kafka.producer();
    await raw.connect();
    await raw.send({
      topic: `${prefix}.measurements`,
      messages: [{ key: 'g', value: Buffer.from('definitely not protobuf \xff') }],
    });
    await raw.disconnect();
    const after = measurement({ metric: 'lcp', value: 5, timeMs: Date.now(), sessionId: 'g' });
    await producer.publish([after]);
    await producer.flush();
    await waitFor(`SELECT count(*)::int AS n FROM events WHERE event_id = '${after.eventId}'`, 1);
    await waitFor('SELECT count(*)::int AS n FROM dead_letters', 1);
    const dl = await db.query<{ topic: string; error: string }>('SELECT topic, error FROM dead_letters');
    expect(dl.rows[0]?.topic).toBe(`${prefix}.measurements`);
    expect(dl.rows[0]?.error).not.toBe('');
    const metrics = await (await fetch(`http://127.0.0.1:${service.server.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/nightglow_records_dead_lettered_total\{[^}]*topic="measurements"[^}]*\} 1/);
    expect(metrics).toMatch(/nightglow_records_ingest_latency_seconds_count/);
  });

  it('delivers an event published to Kafka to a live WatchEvents subscriber within one second', async () => {
    const abort = new AbortController();
    try {
      // WatchEvents sends nothing until an event matches, so a first event proves the watch live: it starts from a
      // time taken before it is published, so it is replayed if it is stored before the watch has its cursor
      const canary = measurement({ metric: 'ttfb', value: 1, timeMs: Date.now(), sessionId: 'watch-me' });
      const stream = client.watchEvents(
        { sessionId: 'watch-me', startTime: timestampFromMs(Date.now()) },
        { signal: abort.signal },
      );
      const events = stream[Symbol.asyncIterator]();
      const first = events.next();
      await producer.publish([canary]);
      expect((await first).value?.event?.envelope?.eventId).toBe(canary.eventId);

      const event = measurement({ metric: 'fcp', value: 1, timeMs: Date.now(), sessionId: 'watch-me' });
      const next = events.next();
      await producer.publish([event]);
      const got = await next;
      const deliveredAt = Date.now();
      expect(got.value?.event?.envelope?.eventId).toBe(event.eventId);
      expect(got.value?.event?.kafka?.topic).toBe(`${prefix}.measurements`);
      const ingestTime = got.value?.event?.ingestTime;
      expect(ingestTime).toBeDefined();
      // from ingest (the store's clock, this process's) to the live subscriber; Kafka's own latency is not the store's
      expect(deliveredAt - timestampMs(ingestTime ?? timestampFromMs(0))).toBeLessThan(1000);
    } finally {
      abort.abort();
    }
  });

  it('seals a task streamed through Kafka into a record that GetTaskRecord returns', async () => {
    await producer.publish(taskStream('t-kafka', Date.now() - 1000));
    await producer.flush();
    await waitFor(`SELECT count(*)::int AS n FROM task_records WHERE task_id = 't-kafka'`, 1);
    const r = (await client.getTaskRecord({ key: { case: 'taskId', value: 't-kafka' } })).taskRecord;
    expect(r?.timeline).toHaveLength(2);
    expect(r?.timeline[0]?.measurements?.lcpMs).toBe(1200);
    expect(r?.eventCount).toBe(10n);
  });

  it('exports consumer lag per topic', async () => {
    const deadline = Date.now() + 10_000;
    let text = '';
    while (Date.now() < deadline) {
      text = await (await fetch(`http://127.0.0.1:${service.server.httpPort}/metrics`)).text();
      if (/nightglow_records_consumer_lag\{[^}]*topic="tasks"[^}]*\} 0/.test(text)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(text).toMatch(/nightglow_records_consumer_lag\{[^}]*topic="tasks"[^}]*\} 0/);
  });
});

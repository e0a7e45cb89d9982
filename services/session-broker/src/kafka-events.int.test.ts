/**
 * The broker wired to the real Kafka bus (`EVENT_BUS=kafka`, as `service.ts`
 * builds it from the configuration) publishes every transition of a session to
 * `<prefix>.sessions` of the test environment's Kafka: protobuf Envelopes keyed
 * by the session id, in transition order, read back by an independent consumer.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import type { Client } from '@connectrpc/connect';
import { createKafkaBus, type KafkaBus, type Subscription } from '@nightglow/bus';
import { SessionBroker, SessionState } from '@nightglow/contracts/broker/v1';
import { EnvelopeSchema, Topic, type Envelope } from '@nightglow/contracts/events/v1';
import { createServiceClient, createTracing, startService, type StartedService } from '@nightglow/runtime';
import { useTestEnv } from '@nightglow/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrokerConfig } from './config.js';
import { sessionBrokerService } from './service.js';
import { eventually, expectNoChromiumUnder, startFixtureServer, type FixtureServer } from './test-support/fixtures.js';

const prefix = `it-broker-${randomUUID().slice(0, 8)}`;
type Received = { readonly envelope: Envelope; readonly key: string | undefined; readonly raw: Uint8Array };
const received: Received[] = [];
let dataDir: string;
let broker: StartedService<BrokerConfig>;
let client: Client<typeof SessionBroker>;
let verifier: KafkaBus;
let consumer: Subscription;
let web: FixtureServer;

/** The first consumer-group join on a fresh Kafka can fail while `__consumer_offsets` is created: retry it. */
async function retrying<T>(step: () => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await step();
    } catch (error) {
      if (i >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

beforeAll(async () => {
  web = await startFixtureServer();
  dataDir = mkdtempSync(join(tmpdir(), 'ngb-test-'));
  const brokers = useTestEnv().kafka.brokers;
  broker = await startService(sessionBrokerService, {
    GRPC_PORT: '0',
    HTTP_PORT: '0',
    BIND_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    LOCAL_DATA_DIR: dataDir,
    DRAIN_DELAY: '0s',
    SHUTDOWN_TIMEOUT: '10s',
    EVENT_BUS: 'kafka',
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_TOPIC_PREFIX: prefix,
    POOLS: JSON.stringify({ pools: [{ name: 'default', maxSessions: 2, local: { prewarm: 0 } }] }),
  });
  client = createServiceClient(SessionBroker, {
    baseUrl: `http://127.0.0.1:${broker.server.grpcPort}`,
    tracing: createTracing({ serviceName: 'broker-kafka-test', sampleRatio: 0 }),
  });
  verifier = createKafkaBus({ brokers, topicPrefix: prefix, consumer: { maxWaitTimeMs: 100, joinTimeoutMs: 10_000 } });
  await verifier.start();
  consumer = await retrying(() =>
    verifier.subscribe({
      groupId: `${prefix}-verify`,
      topics: [Topic.SESSIONS],
      fromBeginning: true,
      handler: (batch) => {
        for (const r of batch.records) {
          if (r.kind !== 'event') throw new Error(`undecodable record on ${r.topicName}: ${r.error.message}`);
          received.push({ envelope: r.envelope, key: r.key, raw: r.raw });
        }
        return Promise.resolve();
      },
    }),
  );
}, 60_000);

afterAll(async () => {
  await consumer?.close();
  await verifier?.close();
  await broker?.stop();
  await web?.close();
  if (dataDir !== undefined) {
    await expectNoChromiumUnder(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  }
});

describe('session events on a real Kafka', () => {
  it('publishes created → ready → closing → closed of a session as Envelopes keyed by its id', async () => {
    const { session } = await client.createSession({
      options: { startUrl: `${web.origin}/one` },
      labels: { suite: 'kafka' },
    });
    expect(session?.state).toBe(SessionState.READY);
    const id = session?.id ?? '';
    await client.deleteSession({ sessionId: id, reason: 'kafka test' });
    const mine = await eventually(
      'four session events on Kafka',
      () => {
        const xs = received.filter((r) => r.envelope.sessionId === id);
        return xs.length >= 4 ? xs : undefined;
      },
      30_000,
    );
    expect(mine.map((r) => r.envelope.type)).toEqual([
      'session.created',
      'session.ready',
      'session.closing',
      'session.closed',
    ]);
    for (const r of mine) {
      expect(r.key).toBe(id);
      // The bytes on the topic are a protobuf Envelope on their own, not only through the bus's decoder.
      const decoded = fromBinary(EnvelopeSchema, r.raw);
      expect(decoded.eventId).toBe(r.envelope.eventId);
      expect(decoded.source?.service).toBe('session-broker');
      expect(decoded.pool).toBe('default');
      expect(decoded.labels).toEqual({ suite: 'kafka' });
      expect(decoded.payload.case).toBe('session');
    }
    const last = mine[3]?.envelope.payload;
    expect(last?.case === 'session' ? last.value.session?.state : undefined).toBe(SessionState.CLOSED);
    expect(new Set(mine.map((r) => r.envelope.eventId)).size).toBe(4);
  });
});

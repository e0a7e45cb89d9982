import { Topic, type Envelope } from '@nightglow/contracts/events/v1';
import { startKafka, type KafkaServer } from '@nightglow/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaBus, type KafkaBus } from './kafka-bus.js';
import type { BusRecord, PublishResult } from './port.js';
import { alertEnvelope, measurementEnvelope } from './testing.js';

const OUTAGE_MS = 20_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('kafka bus through a broker outage (own broker, stopped and restarted)', () => {
  let server: KafkaServer;
  let bus: KafkaBus | undefined;
  beforeAll(async () => {
    server = await startKafka();
  });
  afterAll(async () => {
    await bus?.close();
    await server.stop();
  });

  it('delivers every alert published while Kafka was down and counts the measurements it dropped', async () => {
    bus = createKafkaBus({
      brokers: server.brokers,
      topicPrefix: 'outage',
      topics: { partitions: 2 },
      buffer: { maxMessages: 60 },
      batch: { maxMessages: 50, lingerMs: 10 },
      retry: { initialMs: 100, maxMs: 1_000 },
      sendRetries: 1,
      connectionTimeoutMs: 1_000,
      requestTimeoutMs: 5_000,
      consumer: { maxWaitTimeMs: 200 },
    });
    await bus.start();
    const alerts: Envelope[] = [];
    let measurementsOffered = 0;
    const publish = (session: string, seq: number): Promise<PublishResult> => {
      const a = alertEnvelope(session, seq);
      alerts.push(a);
      const ms = Array.from({ length: 20 }, (_, i) => measurementEnvelope(session, seq * 100 + i));
      measurementsOffered += ms.length;
      return bus!.publish([a, ...ms]);
    };

    for (let i = 0; i < 5; i++) {
      await publish('before', i);
      await bus.flush();
    }
    expect(bus.stats()).toMatchObject({ available: true, delivered: 105 });

    const stoppedAt = Date.now();
    await server.stopBroker('SIGTERM');
    const pending: Array<Promise<PublishResult>> = [];
    for (let seq = 0; Date.now() - stoppedAt < OUTAGE_MS; seq++) {
      pending.push(publish('during', seq));
      await sleep(200);
    }
    const during = bus.stats();
    expect(during.available).toBe(false);
    expect(during.waiting).toBeGreaterThan(0); // alerts beyond the 60-message buffer wait: backpressure
    expect(during.droppedByTopic['alerts']).toBeUndefined();

    const restartedAt = Date.now();
    await server.startBroker();
    await Promise.all(pending);
    await bus.flush();
    const recoveredMs = Date.now() - restartedAt;
    for (let i = 0; i < 5; i++) {
      await publish('after', i);
      await bus.flush();
    }

    const stats = bus.stats();
    const droppedMeasurements = stats.droppedByTopic['measurements'] ?? 0;
    console.log(
      `[bus] outage ${OUTAGE_MS / 1000}s: ${alerts.length} alerts kept, ${droppedMeasurements}/${measurementsOffered} measurements dropped ` +
        `(${JSON.stringify(stats.dropped)}), recovered ${recoveredMs} ms after restart, ${stats.sendFailures} failed attempts`,
    );
    expect(stats.available).toBe(true);
    expect(droppedMeasurements).toBeGreaterThan(0);
    expect(stats.dropped.unavailable).toBeGreaterThan(0);
    expect(stats.droppedByTopic['alerts']).toBeUndefined();
    expect(stats.deliveredByTopic['alerts']).toBe(alerts.length);
    expect((stats.deliveredByTopic['measurements'] ?? 0) + droppedMeasurements).toBe(measurementsOffered);

    const seen = new Map<string, number>();
    const measured = new Set<string>();
    await bus.subscribe({
      groupId: 'audit',
      topics: [Topic.ALERTS, Topic.MEASUREMENTS],
      fromBeginning: true,
      handler: async (batch) => {
        for (const r of batch.records as BusRecord[]) {
          if (r.kind !== 'event') continue;
          if (r.topic === Topic.ALERTS) seen.set(r.envelope.eventId, (seen.get(r.envelope.eventId) ?? 0) + 1);
          else measured.add(r.envelope.eventId);
        }
      },
    });
    const deadline = Date.now() + 20_000;
    while (
      (seen.size < alerts.length || measured.size < (stats.deliveredByTopic['measurements'] ?? 0)) &&
      Date.now() < deadline
    ) {
      await sleep(100);
    }
    expect([...seen.keys()].sort()).toEqual(alerts.map((a) => a.eventId).sort());
    expect(measured.size).toBe(stats.deliveredByTopic['measurements']);
  });
});

import { Topic } from '@nightglow/contracts/events/v1';
import { describe, expect, it } from 'vitest';
import { silentLogger } from './deps.js';
import { BusError } from './errors.js';
import { createPublisher, type Publisher } from './publisher.js';
import { createStatsCollector, type StatsCollector } from './stats.js';
import {
  alertEnvelope,
  createFakeProducer,
  createManualClock,
  measurementEnvelope,
  settle,
  type FakeProducer,
} from './testing.js';

type Rig = { publisher: Publisher; producer: FakeProducer; stats: StatsCollector };

/** A publisher whose producer never answers until told: what a stalled Kafka looks like. Buffer: 6 messages. */
function rig(maxMessages = 6): Rig {
  const producer = createFakeProducer();
  const stats = createStatsCollector();
  const publisher = createPublisher({
    producer,
    clock: createManualClock(),
    logger: silentLogger,
    stats,
    prefix: 'ng',
    droppable: new Set([Topic.MEASUREMENTS]),
    maxMessageBytes: () => 1_000_000,
    batch: { maxMessages: 2, maxBytes: 1_000_000, lingerMs: 0 },
    buffer: { maxMessages, maxBytes: 10_000_000 },
    retry: { initialMs: 100, maxMs: 100 },
  });
  return { publisher, producer, stats };
}

const stats = (r: Rig) => r.stats.snapshot({ state: 'READY', ...r.publisher.gauges() });
const measurements = (n: number, from = 0) => Array.from({ length: n }, (_, i) => measurementEnvelope('s1', from + i));
const alerts = (n: number, from = 0) => Array.from({ length: n }, (_, i) => alertEnvelope('s1', from + i));

describe('bounded buffer: drop policy', () => {
  it('drops measurements that do not fit and counts them by reason and topic', async () => {
    const r = rig();
    expect(await r.publisher.publish(measurements(10))).toEqual({ accepted: 6, dropped: 4 });
    expect(stats(r)).toMatchObject({
      published: 6,
      dropped: { buffer_full: 4 },
      droppedByTopic: { measurements: 4 },
      buffered: { messages: 5 },
      inFlight: { messages: 1 },
    });
  });

  it('makes room for an alert by evicting queued measurements, never the batch in flight', async () => {
    const r = rig();
    await r.publisher.publish(measurements(6));
    const inFlight = r.producer.sends[0]?.records.map((x) => x.eventId);
    expect(await r.publisher.publish(alerts(2))).toEqual({ accepted: 2, dropped: 0 });
    expect(stats(r)).toMatchObject({ dropped: { evicted: 2 }, buffered: { messages: 5 }, inFlight: { messages: 1 } });
    r.producer.autoAck = true;
    r.producer.sends[0]?.ack();
    await r.publisher.flush();
    const sent = r.producer.eventIds();
    expect(sent.slice(0, 1)).toEqual(inFlight);
    expect(sent.filter((_, i) => i > 0)).toHaveLength(5);
    expect(stats(r).deliveredByTopic).toEqual({ measurements: 4, alerts: 2 });
  });

  it('never drops an alert: a full buffer makes publish wait until a delivery frees space', async () => {
    const r = rig();
    const first = alerts(6);
    const second = alerts(3, 6);
    await r.publisher.publish(first);
    let done = false;
    const waiting = r.publisher.publish(second).then((res) => {
      done = true;
      return res;
    });
    await settle();
    expect(done).toBe(false);
    expect(stats(r)).toMatchObject({ waiting: 1, dropped: { buffer_full: 0, evicted: 0 } });
    expect(await r.publisher.publish(measurements(1))).toEqual({ accepted: 0, dropped: 1 }); // behind waiting alerts
    r.producer.autoAck = true;
    r.producer.sends[0]?.ack();
    expect(await waiting).toEqual({ accepted: 3, dropped: 0 });
    await r.publisher.flush();
    expect(r.producer.eventIds()).toEqual([...first, ...second].map((e) => e.eventId));
    expect(stats(r)).toMatchObject({ delivered: 9, deliveredByTopic: { alerts: 9 }, waiting: 0 });
  });

  it('keeps waiting publishers in FIFO order', async () => {
    const r = rig(2);
    await r.publisher.publish(alerts(2));
    const order: string[] = [];
    const [ea, eb] = [alerts(1, 10), alerts(1, 11)];
    const a = r.publisher.publish(ea).then(() => order.push('a'));
    const b = r.publisher.publish(eb).then(() => order.push('b'));
    r.producer.autoAck = true;
    r.producer.sends[0]?.ack();
    await Promise.all([a, b]);
    await r.publisher.flush();
    expect(order).toEqual(['a', 'b']);
    expect(r.producer.eventIds().slice(2)).toEqual([...ea, ...eb].map((e) => e.eventId));
  });

  it('drops measurements while the sink is unavailable but keeps alerts', async () => {
    const r = rig(100);
    await r.publisher.publish(alerts(1));
    r.producer.sends[0]?.fail(new BusError('SEND_FAILED', 'broker down'));
    await settle();
    expect(stats(r).available).toBe(false);
    expect(await r.publisher.publish([...measurements(3), ...alerts(2, 1)])).toEqual({ accepted: 2, dropped: 3 });
    expect(stats(r)).toMatchObject({ dropped: { unavailable: 3 }, buffered: { messages: 2 } });
  });
});

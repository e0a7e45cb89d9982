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
  type ManualClock,
} from './testing.js';

type Rig = { publisher: Publisher; producer: FakeProducer; clock: ManualClock; stats: StatsCollector };

function rig(batch: { maxMessages?: number; maxBytes?: number; lingerMs?: number } = {}): Rig {
  const producer = createFakeProducer();
  const clock = createManualClock();
  const stats = createStatsCollector();
  const publisher = createPublisher({
    producer,
    clock,
    logger: silentLogger,
    stats,
    prefix: 'ng',
    droppable: new Set([Topic.MEASUREMENTS]),
    maxMessageBytes: () => 10_000,
    batch: { maxMessages: 3, maxBytes: 1_000_000, lingerMs: 20, ...batch },
    buffer: { maxMessages: 1_000, maxBytes: 10_000_000 },
    retry: { initialMs: 100, maxMs: 400 },
  });
  return { publisher, producer, clock, stats };
}

const alerts = (n: number, session = 's1') => Array.from({ length: n }, (_, i) => alertEnvelope(session, i));
const snapshot = (stats: StatsCollector, p: Publisher) => stats.snapshot({ state: 'READY', ...p.gauges() });

describe('batching', () => {
  it('cuts a batch at maxMessages at once, and sends the remainder after the linger', async () => {
    const { publisher, producer, clock } = rig({ maxMessages: 3, lingerMs: 20 });
    const envs = alerts(7);
    await publisher.publish(envs);
    await settle();
    expect(producer.sends.map((s) => s.records.length)).toEqual([3]);
    producer.sends[0]?.ack();
    await settle();
    expect(producer.sends.map((s) => s.records.length)).toEqual([3, 3]);
    producer.sends[1]?.ack();
    await settle();
    expect(producer.sends).toHaveLength(2); // one record left, lingering
    clock.advance(19);
    await settle();
    expect(producer.sends).toHaveLength(2);
    clock.advance(1);
    await settle();
    expect(producer.sends.map((s) => s.records.length)).toEqual([3, 3, 1]);
    expect(producer.eventIds()).toEqual(envs.map((e) => e.eventId));
  });

  it('cuts a batch at maxBytes', async () => {
    const { publisher, producer } = rig({ maxMessages: 100, maxBytes: 2_000, lingerMs: 1_000 });
    const envs = Array.from({ length: 4 }, (_, i) => measurementEnvelope('s1', i, 500));
    await publisher.publish(envs);
    await settle();
    expect(producer.sends).toHaveLength(1); // the third record filled 2 000 bytes: a batch of what fits
    const first = producer.sends[0]?.records ?? [];
    expect(first).toHaveLength(2);
    expect(first.every((r) => r.size > 700)).toBe(true);
    expect(first.reduce((n, r) => n + r.size, 0)).toBeLessThanOrEqual(2_000);
  });

  it('holds a lone record for exactly the linger time', async () => {
    const { publisher, producer, clock } = rig({ lingerMs: 50 });
    await publisher.publish(alerts(1));
    clock.advance(49);
    await settle();
    expect(producer.sends).toHaveLength(0);
    clock.advance(1);
    await settle();
    expect(producer.sends).toHaveLength(1);
  });

  it('flush sends without waiting for the linger and resolves after the acknowledgement', async () => {
    const { publisher, producer, stats } = rig({ lingerMs: 10_000 });
    await publisher.publish(alerts(2));
    let flushed = false;
    const flushing = publisher.flush().then(() => (flushed = true));
    await settle();
    expect(producer.sends).toHaveLength(1);
    expect(flushed).toBe(false);
    producer.sends[0]?.ack();
    await flushing;
    expect(snapshot(stats, publisher)).toMatchObject({ delivered: 2, batchesSent: 1, buffered: { messages: 0 } });
  });
});

describe('retries', () => {
  it('resends the same batch with doubling backoff until it is accepted', async () => {
    const { publisher, producer, clock, stats } = rig({ lingerMs: 0 });
    await publisher.publish(alerts(1));
    await settle();
    producer.sends[0]?.fail(new BusError('SEND_FAILED', 'connection refused'));
    await settle();
    expect(snapshot(stats, publisher).available).toBe(false);
    clock.advance(99);
    await settle();
    expect(producer.sends).toHaveLength(1);
    clock.advance(1);
    await settle();
    expect(producer.sends).toHaveLength(2);
    producer.sends[1]?.fail(new BusError('SEND_FAILED', 'connection refused'));
    await settle();
    clock.advance(199);
    await settle();
    expect(producer.sends).toHaveLength(2);
    clock.advance(1);
    await settle();
    expect(producer.sends).toHaveLength(3);
    expect(producer.sends[2]?.records).toEqual(producer.sends[0]?.records);
    producer.sends[2]?.ack();
    await settle();
    expect(snapshot(stats, publisher)).toMatchObject({ available: true, delivered: 1, sendFailures: 2 });
  });

  it('settles the written part of a partly failed batch and retries only the failed part, before newer records', async () => {
    const { publisher, producer, clock, stats } = rig({ maxMessages: 4, lingerMs: 0 });
    const envs = [...alerts(2, 'a'), ...alerts(2, 'b')];
    await publisher.publish(envs.slice(0, 1));
    await settle();
    producer.sends[0]?.ack();
    await publisher.publish(envs.slice(1));
    await settle();
    const batch = producer.sends[1]?.records ?? [];
    expect(batch).toHaveLength(3);
    const failed = batch.filter((r) => r.key === 'b');
    producer.sends[1]?.partial(failed, new BusError('SEND_FAILED', 'leader moved'));
    await settle();
    expect(snapshot(stats, publisher)).toMatchObject({ delivered: 2, inFlight: { messages: 2 }, available: false });
    const flushed = publisher.flush();
    await publisher.publish(alerts(1, 'c')); // must wait behind the retried part
    clock.advance(100);
    await settle();
    expect(producer.sends[2]?.records.map((r) => r.eventId)).toEqual(failed.map((r) => r.eventId));
    producer.sends[2]?.ack();
    await flushed;
    await settle();
    expect(producer.sends[3]?.records.map((r) => r.key)).toEqual(['c']);
    producer.sends[3]?.ack();
    await settle();
    expect(snapshot(stats, publisher)).toMatchObject({ delivered: 5, sendFailures: 1, available: true });
  });

  it('resends a refused batch record by record and drops only the refused record', async () => {
    const { publisher, producer, stats } = rig({ maxMessages: 3, lingerMs: 0 });
    const envs = alerts(4);
    await publisher.publish(envs);
    await settle();
    expect(producer.sends[0]?.records).toHaveLength(1); // linger 0: the first record goes alone
    producer.sends[0]?.ack();
    await settle();
    producer.sends[1]?.fail(new BusError('REJECTED', 'MESSAGE_TOO_LARGE'));
    await settle();
    const singles = () => producer.sends.slice(2);
    singles()[0]?.ack();
    await settle();
    singles()[1]?.fail(new BusError('REJECTED', 'INVALID_RECORD'));
    await settle();
    singles()[2]?.ack();
    await settle();
    expect(singles().map((s) => s.records.length)).toEqual([1, 1, 1]);
    const delivered = [0, 2, 4].map((i) => producer.sends[i]?.records[0]?.eventId);
    expect(delivered).toEqual([envs[0], envs[1], envs[3]].map((e) => e?.eventId));
    expect(snapshot(stats, publisher)).toMatchObject({ delivered: 3, dropped: { rejected: 1 } });
  });
});

describe('validation and shutdown', () => {
  it('refuses a call with an invalid envelope before accepting any of it', async () => {
    const { publisher, stats } = rig();
    const bad = alertEnvelope('s1', 9);
    bad.type = 'measurement.recorded';
    await expect(publisher.publish([...alerts(2), bad])).rejects.toMatchObject({ code: 'INVALID_ENVELOPE' });
    expect(snapshot(stats, publisher).published).toBe(0);
  });

  it('refuses an oversize alert and drops an oversize measurement', async () => {
    const { publisher, stats } = rig();
    const big = alertEnvelope('s1', 1);
    big.labels['pad'] = 'x'.repeat(20_000);
    await expect(publisher.publish([big])).rejects.toMatchObject({ code: 'MESSAGE_TOO_LARGE', retryable: false });
    expect(await publisher.publish([measurementEnvelope('s1', 1, 20_000)])).toEqual({ accepted: 0, dropped: 1 });
    expect(snapshot(stats, publisher).dropped.too_large).toBe(1);
  });

  it('drain sends what is buffered, then refuses publishes', async () => {
    const { publisher, producer } = rig({ lingerMs: 10_000 });
    producer.autoAck = true;
    await publisher.publish(alerts(5));
    await publisher.drain(1_000);
    expect(producer.eventIds()).toHaveLength(5);
    await expect(publisher.publish(alerts(1))).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('drain gives up at its deadline: the rest is dropped as shutdown and pending flushes reject', async () => {
    const { publisher, clock, stats } = rig({ lingerMs: 0 });
    await publisher.publish(alerts(4));
    const flushing = publisher.flush();
    const draining = publisher.drain(1_000);
    clock.advance(1_000);
    await draining;
    await expect(flushing).rejects.toMatchObject({ code: 'CLOSED' });
    expect(snapshot(stats, publisher)).toMatchObject({
      delivered: 0,
      dropped: { shutdown: 4 },
      buffered: { messages: 0 },
      inFlight: { messages: 0 },
    });
  });
});

import { Topic } from '@nightglow/contracts/events/v1';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryBus, type MemoryBus, type MemoryBusOptions } from './memory-bus.js';
import type { BusRecord, SubscribeOptions } from './port.js';
import { alertEnvelope, measurementEnvelope, mixedEnvelope, seqOf } from './testing.js';
import { BUS_TOPICS, topicName, topicOf } from './topics.js';

const buses: MemoryBus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.close()));
});

function bus(options: MemoryBusOptions = {}): MemoryBus {
  const b = createMemoryBus({ retry: { initialMs: 1, maxMs: 5 }, ...options });
  buses.push(b);
  return b;
}

/** Resolves when `predicate` holds, polling every few ms (fails after 2 s). */
async function until(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !predicate(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(predicate()).toBe(true);
}

function collector(): { records: BusRecord[]; handler: SubscribeOptions['handler'] } {
  const records: BusRecord[] = [];
  return { records, handler: async (batch) => void records.push(...batch.records) };
}

const events = (records: readonly BusRecord[]) => records.flatMap((r) => (r.kind === 'event' ? [r.envelope] : []));

describe('in-process bus', () => {
  it('delivers every envelope once, on its topic, keyed by session, in per-session order', async () => {
    const b = bus();
    const c = collector();
    await b.subscribe({ groupId: 'g', topics: BUS_TOPICS, handler: c.handler });
    const sent = Array.from({ length: 300 }, (_, i) => mixedEnvelope(`s${i % 7}`, i));
    await b.publish(sent);
    await until(() => c.records.length === 300);
    expect(new Set(events(c.records).map((e) => e.eventId)).size).toBe(300);
    for (const r of c.records) {
      expect(r.kind).toBe('event');
      if (r.kind !== 'event') continue;
      expect(r.topic).toBe(topicOf(r.envelope));
      expect(r.topicName).toBe(topicName(r.topic));
      expect(r.key).toBe(r.envelope.sessionId);
    }
    const bySessionTopic = new Map<string, number[]>();
    for (const e of events(c.records)) {
      const k = `${e.sessionId}|${topicOf(e)}`;
      bySessionTopic.set(k, [...(bySessionTopic.get(k) ?? []), seqOf(e)]);
    }
    for (const seqs of bySessionTopic.values()) expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(b.stats()).toMatchObject({ published: 300, delivered: 300, consumed: 300 });
  });

  it('gives every group all records, and splits partitions between the members of a group', async () => {
    const b = bus({ partitions: 4 });
    const [a1, a2, other] = [collector(), collector(), collector()];
    await b.subscribe({ groupId: 'a', topics: [Topic.ALERTS], handler: a1.handler });
    await b.subscribe({ groupId: 'a', topics: [Topic.ALERTS], handler: a2.handler });
    await b.subscribe({ groupId: 'b', topics: [Topic.ALERTS], handler: other.handler });
    const sent = Array.from({ length: 100 }, (_, i) => alertEnvelope(`s${i % 10}`, i));
    await b.publish(sent);
    await until(() => a1.records.length + a2.records.length === 100 && other.records.length === 100);
    expect(a1.records.length).toBeGreaterThan(0);
    expect(a2.records.length).toBeGreaterThan(0);
    const partitionsOf = (c: typeof a1) => new Set(c.records.map((r) => r.partition));
    expect([...partitionsOf(a1)].filter((p) => partitionsOf(a2).has(p))).toEqual([]);
    const ids = [...events(a1.records), ...events(a2.records)].map((e) => e.eventId).sort();
    expect(ids).toEqual(sent.map((e) => e.eventId).sort());
  });

  it('commits only after the handler resolves, and redelivers a batch whose handler rejected', async () => {
    const b = bus();
    const seen: string[][] = [];
    let release: () => void = () => undefined;
    let calls = 0;
    await b.subscribe({
      groupId: 'g',
      topics: [Topic.ALERTS],
      handler: async (batch) => {
        seen.push(batch.records.map((r) => r.offset));
        calls++;
        if (calls === 1) throw new Error('database down');
        if (calls === 2) await new Promise<void>((r) => (release = r));
      },
    });
    await b.publish([alertEnvelope('s1', 0), alertEnvelope('s1', 1)]);
    await until(() => calls === 2);
    expect(seen[0]?.[0]).toBe('0');
    expect(seen[1]?.slice(0, seen[0]?.length)).toEqual(seen[0]); // the same records again, from the same offset
    expect(b.stats()).toMatchObject({ handlerFailures: 1, commits: 0 });
    release();
    await until(() => b.stats().commits === 1);
  });

  it('resumes a group from its committed offset: a resubscribed member gets what was not committed', async () => {
    const b = bus({ partitions: 1 });
    const first: number[] = [];
    const sub = await b.subscribe({
      groupId: 'g',
      topics: [Topic.ALERTS],
      handler: async (batch) => {
        const seqs = events(batch.records).map(seqOf);
        if (seqs.includes(3)) throw new Error('fails from seq 3 on');
        first.push(...seqs);
      },
    });
    await b.publish([0, 1, 2].map((i) => alertEnvelope('s1', i)));
    await until(() => first.length === 3);
    await b.publish([3, 4].map((i) => alertEnvelope('s1', i)));
    await until(() => b.stats().handlerFailures > 0);
    await sub.close();
    expect(sub.state()).toBe('STOPPED');
    const again = collector();
    await b.subscribe({ groupId: 'g', topics: [Topic.ALERTS], fromBeginning: true, handler: again.handler });
    await until(() => again.records.length === 2);
    expect(events(again.records).map(seqOf)).toEqual([3, 4]);
    expect(again.records.map((r) => r.offset)).toEqual(['3', '4']);
  });

  it('starts a new group at the end unless fromBeginning', async () => {
    const b = bus();
    await b.publish([alertEnvelope('s1', 0)]);
    await b.flush();
    const [late, early] = [collector(), collector()];
    await b.subscribe({ groupId: 'late', topics: [Topic.ALERTS], handler: late.handler });
    await b.subscribe({ groupId: 'early', topics: [Topic.ALERTS], fromBeginning: true, handler: early.handler });
    await b.publish([alertEnvelope('s1', 1)]);
    await until(() => late.records.length === 1 && early.records.length === 2);
    expect(events(late.records).map(seqOf)).toEqual([1]);
  });

  it('hands undecodable bytes over as an entry with the error, and goes on', async () => {
    const b = bus({ partitions: 1 });
    const c = collector();
    await b.subscribe({ groupId: 'g', topics: [Topic.ALERTS], handler: c.handler });
    b.appendRaw(Topic.ALERTS, new Uint8Array([1, 2, 3, 250, 251]), 's1');
    await b.publish([alertEnvelope('s1', 1)]);
    await until(() => c.records.length === 2);
    const [bad, good] = c.records;
    expect(bad).toMatchObject({
      kind: 'undecodable',
      offset: '0',
      key: 's1',
      error: { code: 'DECODE_FAILED', sizeBytes: 5 },
    });
    expect(good?.kind).toBe('event');
    expect(b.stats()).toMatchObject({ decodeErrors: 1, handlerFailures: 0 });
  });

  it('applies backpressure when a group lags: measurements are dropped, alerts wait and arrive', async () => {
    const b = bus({ maxLagMessages: 5, buffer: { maxMessages: 10 }, batch: { maxMessages: 5 } });
    let open: () => void = () => undefined;
    const gate = new Promise<void>((r) => (open = r));
    const c = collector();
    await b.subscribe({
      groupId: 'slow',
      topics: [Topic.ALERTS, Topic.MEASUREMENTS],
      handler: async (batch) => {
        await gate;
        await c.handler(batch);
      },
    });
    await b.publish(Array.from({ length: 10 }, (_, i) => alertEnvelope('s1', i)));
    let done = false;
    const late = b.publish(Array.from({ length: 10 }, (_, i) => alertEnvelope('s1', 10 + i))).then(() => (done = true));
    const dropped = await b.publish(Array.from({ length: 5 }, (_, i) => measurementEnvelope('s1', i)));
    await new Promise((r) => setTimeout(r, 30));
    expect(done).toBe(false);
    expect(dropped.dropped).toBe(5);
    expect(b.stats().waiting).toBeGreaterThan(0);
    open();
    await late;
    await until(() => c.records.length === 20);
    expect(events(c.records).map(seqOf)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('moves through its lifecycle and refuses work once closed', async () => {
    const b = bus();
    expect(b.state()).toBe('READY');
    await b.close();
    expect(b.state()).toBe('STOPPED');
    await expect(b.publish([alertEnvelope('s', 1)])).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(
      b.subscribe({ groupId: 'g', topics: [Topic.ALERTS], handler: () => Promise.resolve() }),
    ).rejects.toMatchObject({
      code: 'CLOSED',
    });
  });
});

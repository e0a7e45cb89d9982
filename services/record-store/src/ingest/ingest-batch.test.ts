import { describe, expect, it } from 'vitest';
import { encodeEnvelope, BusError, type BusBatch, type BusRecord } from '@nightglow/bus';
import { Topic, type Envelope } from '@nightglow/contracts/events/v1';
import { createManualClock } from '@nightglow/runtime';
import type { ArrayParam } from '../db/array-param.js';
import type { Queryable, RecordDb } from '../db/port.js';
import { noMetrics, type RecordMetrics } from '../metrics.js';
import { measurement } from '../test/signal-fixtures.js';
import { createIngestHandler } from './ingest-batch.js';

/**
 * A database that remembers event ids like `ON CONFLICT (event_id) DO NOTHING` and logs statements;
 * a statement outside a transaction commits on its own.
 */
function fakeDb() {
  const stored = new Set<string>();
  const statements: string[] = [];
  const dead: unknown[][] = [];
  let commits = 0;
  const tx: Queryable = {
    query: async (sql, params = []) => {
      statements.push(sql);
      if (sql.includes('INSERT INTO dead_letters')) dead.push([...params]);
      if (sql.includes('INSERT INTO events')) {
        const ids = (params[0] as ArrayParam<'uuid'>).values as string[];
        const fresh = ids.filter((id) => !stored.has(id) && (stored.add(id), true));
        return { rows: fresh.map((event_id) => ({ event_id })) as never[], rowCount: fresh.length };
      }
      return { rows: [], rowCount: 0 };
    },
  };
  const db: RecordDb = {
    kind: 'pglite',
    query: async <R>(sql: string, params?: readonly unknown[]) => {
      const r = await tx.query<R>(sql, params);
      commits++;
      return r;
    },
    transaction: async (fn) => {
      const r = await fn(tx);
      commits++;
      return r;
    },
    listen: async () => async () => undefined,
    close: async () => undefined,
  };
  return { db, stored, statements, dead, commits: () => commits };
}

function batch(records: BusRecord[]): BusBatch {
  return {
    topic: Topic.MEASUREMENTS,
    topicName: 'nightglow.measurements',
    partition: 0,
    records,
    heartbeat: async () => undefined,
    signal: new AbortController().signal,
  };
}

let offset = 0;
function event(e: Envelope): BusRecord {
  const raw = encodeEnvelope(e);
  return {
    kind: 'event',
    envelope: e,
    topic: Topic.MEASUREMENTS,
    topicName: 'nightglow.measurements',
    partition: 0,
    offset: String(offset++),
    key: 's',
    raw,
    timestampMs: 0,
  };
}

describe('ingest handler', () => {
  it('writes a fetch of up to 1000 records in one statement that takes the ingest lock, storing a redelivered event once', async () => {
    const f = fakeDb();
    const counts: Record<string, number> = {};
    const metrics: RecordMetrics = {
      ...noMetrics,
      ingested: (t, n) => void (counts[`in:${t}`] = n),
      duplicates: (t, n) => void (counts[`dup:${t}`] = n),
    };
    const handler = createIngestHandler({ db: f.db, clock: createManualClock(5000), metrics, sealGraceMs: 100 });
    const a = measurement({ metric: 'lcp', value: 1, timeMs: 1000 });
    const b = measurement({ metric: 'lcp', value: 2, timeMs: 1000 });
    await handler(batch([event(a), event(b), event(a)]));
    await handler(batch([event(b)]));
    expect([...f.stored].sort()).toEqual([a.eventId, b.eventId].sort());
    expect(f.commits()).toBe(2);
    expect(counts).toEqual({ 'in:measurements': 0, 'dup:measurements': 1 });
    expect(f.statements).toHaveLength(2);
    expect(f.statements[0]).toMatch(/^\s*WITH lock AS MATERIALIZED \(SELECT pg_advisory_xact_lock\(\$26::bigint\)/);
  });

  it('splits a large fetch into transactions of batchSize records', async () => {
    const f = fakeDb();
    const handler = createIngestHandler({
      db: f.db,
      clock: createManualClock(0),
      metrics: noMetrics,
      sealGraceMs: 0,
      batchSize: 2,
    });
    const events = Array.from({ length: 5 }, (_, i) => measurement({ metric: 'lcp', value: i, timeMs: 0 }));
    await handler(batch(events.map(event)));
    expect([f.commits(), f.stored.size]).toEqual([3, 5]);
  });

  it('dead-letters undecodable records and events without a UUID id, in the same transaction', async () => {
    const f = fakeDb();
    let dead = 0;
    const handler = createIngestHandler({
      db: f.db,
      clock: createManualClock(0),
      metrics: { ...noMetrics, deadLettered: (_t, n) => void (dead += n) },
      sealGraceMs: 0,
    });
    const good = measurement({ metric: 'lcp', value: 1, timeMs: 0 });
    const badId = { ...measurement({ metric: 'lcp', value: 1, timeMs: 0 }), eventId: 'not-a-uuid' };
    const garbage: BusRecord = {
      ...event(good),
      kind: 'undecodable',
      error: new BusError('DECODE_FAILED', 'not an Envelope (3 bytes)'),
      raw: new Uint8Array([1, 2, 3]),
    };
    await handler(batch([garbage, event(badId), event(good)]));
    expect(f.dead.map((d) => d[3])).toEqual(['not an Envelope (3 bytes)', 'event_id "not-a-uuid" is not a UUID']);
    expect([...f.stored]).toEqual([good.eventId]);
    expect([dead, f.commits()]).toEqual([2, 1]);
  });

  it('rejects (so the bus redelivers) when the write fails', async () => {
    const f = fakeDb();
    const lost = async () => Promise.reject(new Error('connection lost'));
    const failing: RecordDb = { ...f.db, query: lost, transaction: lost };
    const handler = createIngestHandler({
      db: failing,
      clock: createManualClock(0),
      metrics: noMetrics,
      sealGraceMs: 0,
    });
    await expect(handler(batch([event(measurement({ metric: 'lcp', value: 1, timeMs: 0 }))]))).rejects.toThrow(
      'connection lost',
    );
  });
});

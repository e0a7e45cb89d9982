/**
 * Shared integration suite, part 1: migrations, Kafka-style ingest through
 * the bus (dedup, dead letters), ListEvents and WatchEvents. Run against
 * PostgreSQL and PGlite by `pg.int.test.ts` and `pglite.int.test.ts`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError } from '@connectrpc/connect';
import { Topic } from '@nightglow/contracts/events/v1';
import { SortOrder } from '@nightglow/contracts/records/v1';
import { migrate } from '../db/migrate.js';
import { MIGRATIONS } from '../db/migrations.js';
import type { RecordDb } from '../db/port.js';
import { taskStream } from './fixtures.js';
import { externalEvent, measurement } from './signal-fixtures.js';
import { ADMIN_KEY, startHarness, type Harness } from './harness.js';

/** Defines the ingest suite over databases made by `open`. */
export function ingestSuite(open: () => Promise<RecordDb>): void {
  describe('migrations, ingest, events', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(await open());
    });
    afterAll(async () => {
      await h.close();
      await h.db.close();
    });

    it('applies every migration once, in order, and a second run applies none', async () => {
      const rows = await h.db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      expect(rows.rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
      expect((await migrate(h.db, MIGRATIONS)).applied).toEqual([]);
    });

    it('stores each event once even when the bus delivers it twice', async () => {
      const events = taskStream('t-dedup', h.clock.now() - 10_000);
      await h.publish(events);
      await h.publish(events);
      await h.waitForCount(`events WHERE task_id = 't-dedup'`, events.length);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const r = await h.db.query<{ n: number; d: number }>(
        `SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS d FROM events WHERE task_id = 't-dedup'`,
      );
      expect(r.rows[0]).toEqual({ n: events.length, d: events.length });
    });

    it('dead-letters garbage bytes with topic, partition, offset and error, and keeps ingesting', async () => {
      h.bus.appendRaw(Topic.MEASUREMENTS, new Uint8Array([0xff, 0xff, 0xff, 0x01]), 'garbage');
      const after = measurement({ metric: 'lcp', value: 1, timeMs: h.clock.now(), sessionId: 'garbage' });
      await h.publish([after]);
      await h.waitForCount('dead_letters', 1);
      await h.waitForCount(`events WHERE event_id = '${after.eventId}'`, 1);
      const dl = await h.db.query<{
        topic: string;
        partition: number;
        kafka_offset: string;
        error: string;
        raw: Uint8Array;
      }>('SELECT topic, partition, kafka_offset::text AS kafka_offset, error, raw FROM dead_letters');
      expect(dl.rows[0]?.topic).toBe('nightglow.measurements');
      expect(dl.rows[0]?.error).toMatch(/not an Envelope/);
      expect([...(dl.rows[0]?.raw ?? [])]).toEqual([0xff, 0xff, 0xff, 0x01]);
    });

    it('lists events with type prefixes, order and cursor pages; a token with other filters is refused', async () => {
      const c = h.client(ADMIN_KEY);
      const filter = { taskId: 't-dedup', types: ['measurement.*', 'task.succeeded'] };
      const all = await c.listEvents({ ...filter, pageSize: 1000 });
      expect(all.events.map((e) => e.envelope?.type)).toEqual([
        'measurement.recorded',
        'measurement.recorded',
        'measurement.recorded',
        'measurement.recorded',
        'task.succeeded',
      ]);
      expect(all.events[0]?.kafka?.topic).toBe('nightglow.measurements');
      const pages: string[] = [];
      let token = '';
      do {
        const page = await c.listEvents({ ...filter, pageSize: 2, pageToken: token, order: SortOrder.DESCENDING });
        pages.push(...page.events.map((e) => e.envelope?.eventId ?? ''));
        token = page.nextPageToken;
      } while (token !== '');
      expect(pages).toEqual(all.events.map((e) => e.envelope?.eventId).reverse());
      const first = await c.listEvents({ ...filter, pageSize: 2 });
      const err = await c.listEvents({ taskId: 'other', pageToken: first.nextPageToken }).catch((e: unknown) => e);
      expect(ConnectError.from(err).code).toBe(Code.InvalidArgument);
    });

    it('WatchEvents delivers an event ingested after subscribing within one second', async () => {
      const abort = new AbortController();
      try {
        // WatchEvents sends nothing until an event matches, so a first event proves the watch live: the watch
        // starts at a time before that event is ingested, so it is replayed if stored before the watch has its cursor
        const stream = h
          .client(ADMIN_KEY)
          .watchEvents({ types: ['ci.watch.*'], startTime: timestampFromMs(h.clock.now()) }, { signal: abort.signal });
        const it = stream[Symbol.asyncIterator]();
        const first = it.next();
        const canary = externalEvent('ci.watch.canary', h.clock.now());
        await h.client(ADMIN_KEY).ingestEvents({ events: [canary] });
        expect((await first).value?.event?.envelope?.eventId).toBe(canary.eventId);

        const next = it.next();
        const sentAt = Date.now();
        const event = externalEvent('ci.watch.finished', h.clock.now());
        await h.client(ADMIN_KEY).ingestEvents({ events: [event] });
        const got = await next;
        expect(got.value?.event?.envelope?.eventId).toBe(event.eventId);
        expect(Date.now() - sentAt).toBeLessThan(1000);
      } finally {
        abort.abort();
      }
    });

    it('WatchEvents with start_time replays stored events, then goes live with no gap and no duplicate', async () => {
      const since = h.clock.now();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const e = externalEvent('ci.replay.step', h.clock.now());
        ids.push(e.eventId);
        await h.client(ADMIN_KEY).ingestEvents({ events: [e] });
      }
      const abort = new AbortController();
      const stream = h
        .client(ADMIN_KEY)
        .watchEvents({ types: ['ci.replay.*'], startTime: timestampFromMs(since) }, { signal: abort.signal });
      const seen: string[] = [];
      const live = externalEvent('ci.replay.step', h.clock.now());
      ids.push(live.eventId);
      for await (const m of stream) {
        seen.push(m.event?.envelope?.eventId ?? '');
        if (seen.length === 3) await h.client(ADMIN_KEY).ingestEvents({ events: [live] });
        if (seen.length === 4) break;
      }
      abort.abort();
      expect(seen).toEqual(ids);
    });
  });
}

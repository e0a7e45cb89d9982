/**
 * Shared integration suite, part 2: sealing task records (grace period,
 * contents, idempotence, restart), the database refusing changes to sealed
 * records, retention, ListTaskRecords and GetArtifact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code, ConnectError } from '@connectrpc/connect';
import { TaskState } from '@nightglow/contracts/executor/v1';
import { SortOrder, TaskRecordView } from '@nightglow/contracts/records/v1';
import type { RecordDb } from '../db/port.js';
import { createRetention } from '../retention/retention.js';
import { noMetrics } from '../metrics.js';
import { taskStream } from './fixtures.js';
import { ADMIN_KEY, startHarness, type Harness } from './harness.js';

const silent = { warn: () => undefined, info: () => undefined };

/** Defines the records suite over databases made by `open`. */
export function recordsSuite(open: () => Promise<RecordDb>): void {
  describe('task records', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(await open(), { sealGraceMs: 5000 });
    });
    afterAll(async () => {
      await h.close();
      await h.db.close();
    });

    it('seals a record only after the grace period, and it matches the events that built it', async () => {
      const events = taskStream('t-seal', h.clock.now() - 1000);
      await h.publish(events);
      await h.waitForCount(`pending_seals WHERE task_id = 't-seal'`, 1);
      const c = h.client(ADMIN_KEY);
      await h.domain.sealer.sealDue();
      const early = await c.getTaskRecord({ key: { case: 'taskId', value: 't-seal' } }).catch((e: unknown) => e);
      expect(ConnectError.from(early).code).toBe(Code.NotFound);
      h.clock.advance(5000);
      await h.domain.sealer.sealDue();
      const r = (await c.getTaskRecord({ key: { case: 'taskId', value: 't-seal' } })).taskRecord;
      expect(r?.state).toBe(TaskState.SUCCEEDED);
      expect(r?.eventCount).toBe(BigInt(events.length));
      expect(r?.labels).toEqual({ team: 'search' });
      expect(r?.timeline.map((a) => a.result?.name)).toEqual(['open', 'titles']);
      expect(r?.timeline[0]?.measurements?.ttfbMs).toBe(42);
      expect(r?.timeline[0]?.measurements?.lcpMs).toBe(1200);
      expect(r?.timeline[0]?.measurements?.measurementCount).toBe(3);
      expect(r?.timeline[1]?.measurements?.requestCount).toBe(7n);
      expect(r?.outputs['titles']?.kind.value).toBe('Hello');
      expect(r?.detections).toHaveLength(1);
      expect(r?.alerts.map((a) => a.fingerprint)).toEqual(['fp-t-seal']);
      expect(r?.artifacts.map((a) => a.id)).toEqual(['t-seal-shot']);
      expect(r?.artifacts[0]?.data.byteLength).toBe(0);
      const art = await c.getArtifact({ artifactId: 't-seal-shot' });
      expect([...art.data]).toEqual([137, 80, 78, 71]);
      expect(art.artifact?.contentType).toBe('image/png');
    });

    it('refuses UPDATE, DELETE and TRUNCATE of a sealed record in the database', async () => {
      await expect(h.db.query(`UPDATE task_records SET pool = 'x' WHERE task_id = 't-seal'`)).rejects.toThrow(/sealed/);
      await expect(h.db.query(`DELETE FROM task_records WHERE task_id = 't-seal'`)).rejects.toThrow(/sealed/);
      await expect(h.db.query('TRUNCATE task_records')).rejects.toThrow(/sealed/);
      const n = await h.db.query(`SELECT 1 FROM task_records WHERE task_id = 't-seal'`);
      expect(n.rows).toHaveLength(1);
    });

    it('seals idempotently and finds pending seals again after a restart', async () => {
      await h.publish(taskStream('t-restart', h.clock.now()));
      await h.waitForCount(`pending_seals WHERE task_id = 't-restart'`, 1);
      await h.close();
      h = await startHarness(h.db, { sealGraceMs: 5000, startMs: h.clock.now() + 6000 });
      expect(await h.domain.sealer.sealDue()).toBe(1);
      expect(await h.domain.sealer.sealDue()).toBe(0);
      const r = await h.db.query(`SELECT 1 FROM task_records WHERE task_id = 't-restart'`);
      expect(r.rows).toHaveLength(1);
    });

    it('lists records with filters, label selectors, order and cursor pages', async () => {
      const t0 = h.clock.now();
      for (let i = 0; i < 5; i++) {
        await h.publish(
          taskStream(`t-list-${i}`, t0 + i * 1000, { team: i % 2 === 0 ? 'even' : 'odd', idx: String(i) }),
        );
      }
      await h.waitForCount(`pending_seals WHERE task_id LIKE 't-list-%'`, 5);
      h.clock.advance(10_000);
      await h.domain.sealer.sealDue();
      const c = h.client(ADMIN_KEY);
      const even = await c.listTaskRecords({ labelSelector: 'team=even', order: SortOrder.ASCENDING });
      expect(even.taskRecords.map((r) => r.taskId)).toEqual(['t-list-0', 't-list-2', 't-list-4']);
      expect(even.taskRecords[0]?.timeline).toEqual([]);
      const notIn = await c.listTaskRecords({ labelSelector: 'idx, team in (odd,even), idx notin (0,1,2)' });
      expect(notIn.taskRecords.map((r) => r.taskId)).toEqual(['t-list-4', 't-list-3']);
      const seen: string[] = [];
      let token = '';
      do {
        const page = await c.listTaskRecords({
          labelSelector: 'idx',
          pageSize: 2,
          pageToken: token,
          view: TaskRecordView.FULL,
        });
        seen.push(...page.taskRecords.map((r) => r.taskId));
        expect(page.taskRecords[0]?.timeline).toHaveLength(2);
        token = page.nextPageToken;
      } while (token !== '');
      expect(seen).toEqual(['t-list-4', 't-list-3', 't-list-2', 't-list-1', 't-list-0']);
      const failed = await c.listTaskRecords({ states: [TaskState.FAILED] });
      expect(failed.taskRecords).toHaveLength(0);
      const bad = await c.listTaskRecords({ labelSelector: 'a b c' }).catch((e: unknown) => e);
      expect(ConnectError.from(bad).code).toBe(Code.InvalidArgument);
    });

    it('retention deletes old data of every kind, sealed records included (and only retention may)', async () => {
      const retention = createRetention({
        db: h.db,
        clock: h.clock,
        policy: { eventsMs: 1, measurementsMs: 1, recordsMs: 1, deadLettersMs: 1, resolvedAlertsMs: 1 },
        intervalMs: 60_000,
        metrics: noMetrics,
        logger: silent,
      });
      h.clock.advance(60_000);
      const deleted = await retention.runOnce();
      expect(deleted['records']).toBeGreaterThanOrEqual(7);
      for (const table of ['task_records', 'events', 'measurements', 'artifacts']) {
        const left = await h.db.query(`SELECT 1 FROM ${table}`);
        expect(left.rows, table).toHaveLength(0);
      }
      expect(deleted['events']).toBeGreaterThan(0);
      await retention.close();
    });
  });
}

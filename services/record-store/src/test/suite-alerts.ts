/**
 * Shared integration suite, part 4: alert deduplication and its
 * acknowledge/resolve life, and measurement aggregation per time bucket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { durationFromMs, timestampFromMs, timestampMs } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError } from '@connectrpc/connect';
import { AlertStatus, MeasurementGroupBy, Role } from '@nightglow/contracts/records/v1';
import type { RecordDb } from '../db/port.js';
import { alertEvent, measurement } from './signal-fixtures.js';
import { ADMIN_KEY, startHarness, type Harness } from './harness.js';

/** Defines the alerts and measurements suite over databases made by `open`. */
export function alertsSuite(open: () => Promise<RecordDb>): void {
  describe('alerts and measurements', () => {
    let h: Harness;
    let oncall: string;
    beforeAll(async () => {
      h = await startHarness(await open());
      oncall = (await h.client(ADMIN_KEY).createApiKey({ name: 'oncall', role: Role.WRITER })).key;
    });
    afterAll(async () => {
      await h.close();
      await h.db.close();
    });

    it('folds occurrences by fingerprint; acknowledge, resolve and a new firing reopen it', async () => {
      const t = h.clock.now() - 60_000;
      await h.publish([0, 1, 2].map((i) => alertEvent({ fingerprint: 'fp-1', firing: true, timeMs: t + i * 1000 })));
      await h.waitForCount('alerts', 1);
      await h.waitForCount(`events WHERE type = 'alert.firing'`, 3);
      const c = h.client(oncall);
      const [a] = (await c.listAlerts({})).alerts;
      expect(a?.occurrenceCount).toBe(3n);
      expect(a?.status).toBe(AlertStatus.FIRING);
      expect(timestampMs(a?.firstSeenTime ?? timestampFromMs(0))).toBe(t);
      expect(timestampMs(a?.lastSeenTime ?? timestampFromMs(0))).toBe(t + 2000);
      const acked = (await c.acknowledgeAlert({ fingerprint: 'fp-1', note: 'on it' })).alert;
      expect([acked?.status, acked?.acknowledgedBy, acked?.acknowledgeNote]).toEqual([
        AlertStatus.ACKNOWLEDGED,
        'oncall',
        'on it',
      ]);
      const again = (await c.acknowledgeAlert({ fingerprint: 'fp-1', by: 'someone-else' })).alert;
      expect(again?.acknowledgedBy).toBe('oncall');
      const resolved = (await c.resolveAlert({ fingerprint: 'fp-1', by: 'alice', note: 'fixed' })).alert;
      expect([resolved?.status, resolved?.resolvedBy]).toEqual([AlertStatus.RESOLVED, 'alice']);
      const refused = await c.acknowledgeAlert({ fingerprint: 'fp-1' }).catch((e: unknown) => e);
      expect(ConnectError.from(refused).code).toBe(Code.FailedPrecondition);
      await h.publish([alertEvent({ fingerprint: 'fp-1', firing: true, timeMs: t + 10_000 })]);
      await h.waitForCount(`events WHERE type = 'alert.firing'`, 4);
      const [reopened] = (await c.listAlerts({ statuses: [AlertStatus.FIRING] })).alerts;
      expect([reopened?.occurrenceCount, reopened?.acknowledgedBy, reopened?.resolvedBy]).toEqual([4n, '', '']);
      await h.publish([alertEvent({ fingerprint: 'fp-1', firing: false, timeMs: t + 20_000 })]);
      await h.waitForCount(`events WHERE type = 'alert.resolved'`, 1);
      const [bySidecar] = (await c.listAlerts({})).alerts;
      expect([bySidecar?.status, bySidecar?.resolvedBy]).toEqual([AlertStatus.RESOLVED, 'sidecar']);
      const unknown = await c.resolveAlert({ fingerprint: 'nope' }).catch((e: unknown) => e);
      expect(ConnectError.from(unknown).code).toBe(Code.NotFound);
    });

    it('pages alerts most recently seen first', async () => {
      const t = h.clock.now() - 30_000;
      await h.publish(
        [1, 2, 3].map((i) => alertEvent({ fingerprint: `fp-page-${i}`, firing: true, timeMs: t + i, taskId: 'paged' })),
      );
      await h.waitForCount(`alerts WHERE task_id = 'paged'`, 3);
      const seen: string[] = [];
      let token = '';
      do {
        const page = await h.client(oncall).listAlerts({ taskId: 'paged', pageSize: 1, pageToken: token });
        seen.push(...page.alerts.map((a) => a.alert?.fingerprint ?? ''));
        token = page.nextPageToken;
      } while (token !== '');
      expect(seen).toEqual(['fp-page-3', 'fp-page-2', 'fp-page-1']);
    });

    it('aggregates a metric per time bucket with count, avg, min, max, p50 and p95, per group', async () => {
      const base = Math.floor(h.clock.now() / 60_000) * 60_000 - 600_000;
      const values = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
      await h.publish([
        ...values.map((v, i) => measurement({ metric: 'ttfb', value: v, timeMs: base + i * 1000, pool: 'a' })),
        ...values.map((v, i) =>
          measurement({ metric: 'ttfb', value: v * 2, timeMs: base + 60_000 + i * 1000, pool: 'b' }),
        ),
      ]);
      await h.waitForCount(`measurements WHERE metric = 'ttfb'`, 20);
      const c = h.client(oncall);
      const range = { startTime: timestampFromMs(base), endTime: timestampFromMs(base + 120_000) };
      const r = await c.queryMeasurements({ metric: 'ttfb', timeRange: range, bucketWidth: durationFromMs(60_000) });
      expect(r.unit).toBe('ms');
      const [first, second] = r.series[0]?.buckets ?? [];
      expect([first?.count, first?.avg, first?.min, first?.max, first?.p50]).toEqual([10n, 55, 10, 100, 55]);
      expect(first?.p95).toBeCloseTo(95.5, 6);
      expect(timestampMs(second?.startTime ?? timestampFromMs(0))).toBe(base + 60_000);
      const grouped = await c.queryMeasurements({
        metric: 'ttfb',
        timeRange: range,
        groupBy: [MeasurementGroupBy.POOL],
      });
      expect(grouped.series.map((s) => [s.group['pool'], s.buckets[0]?.max])).toEqual([
        ['a', 100],
        ['b', 200],
      ]);
      const host = await c.queryMeasurements({
        metric: 'ttfb',
        timeRange: range,
        urlHost: '127.0.0.1:8088',
        pool: 'b',
      });
      expect(host.series[0]?.buckets[0]?.count).toBe(10n);
      const bad = await c.queryMeasurements({ metric: '', bucketWidth: durationFromMs(10) }).catch((e: unknown) => e);
      const fields = ConnectError.from(bad).findDetails(
        (await import('@nightglow/contracts/google/rpc')).BadRequestSchema,
      );
      expect(fields.flatMap((d) => d.fieldViolations.map((v) => v.field))).toEqual([
        'metric',
        'time_range.start_time',
        'bucket_width',
      ]);
    });
  });
}

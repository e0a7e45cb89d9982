/**
 * Reading and changing deduplicated alerts: list (most recently seen first,
 * cursor-paginated), acknowledge and resolve by hand.
 */
import { create, fromBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { AlertSchema } from '@nightglow/contracts/instrumentation/v1';
import {
  AlertStatus,
  StoredAlertSchema,
  type ListAlertsRequest,
  type StoredAlert,
} from '@nightglow/contracts/records/v1';
import { decodeCursor, encodeCursor, filterKey } from '../cursor.js';
import type { Queryable } from '../db/port.js';
import { isoUs, ms, optMs, pageSize, params } from '../db/sql.js';
import { missing, RecordStoreError } from '../errors.js';
import { timeRangeMs } from '../time-range.js';

const COLUMNS = `fingerprint, latest, status, occurrence_count::float8 AS occurrences, ${ms('first_seen_time')} AS first_ms,
  ${ms('last_seen_time')} AS last_ms, ${isoUs('last_seen_time')} AS last_us, acknowledged_by, ${ms('acknowledge_time')} AS ack_ms, acknowledge_note,
  resolved_by, ${ms('resolve_time')} AS resolve_ms, resolve_note`;

type AlertRow = {
  fingerprint: string;
  latest: Uint8Array;
  status: number;
  occurrences: number;
  first_ms: number;
  last_ms: number;
  last_us: string;
  acknowledged_by: string;
  ack_ms: number | null;
  acknowledge_note: string;
  resolved_by: string;
  resolve_ms: number | null;
  resolve_note: string;
};

function toStoredAlert(r: AlertRow): StoredAlert {
  const ack = optMs(r.ack_ms);
  const resolved = optMs(r.resolve_ms);
  return create(StoredAlertSchema, {
    alert: fromBinary(AlertSchema, r.latest),
    occurrenceCount: BigInt(Math.round(Number(r.occurrences))),
    firstSeenTime: timestampFromMs(Number(r.first_ms)),
    lastSeenTime: timestampFromMs(Number(r.last_ms)),
    status: r.status,
    acknowledgedBy: r.acknowledged_by,
    acknowledgeNote: r.acknowledge_note,
    resolvedBy: r.resolved_by,
    resolveNote: r.resolve_note,
    ...(ack === undefined ? {} : { acknowledgeTime: timestampFromMs(ack) }),
    ...(resolved === undefined ? {} : { resolveTime: timestampFromMs(resolved) }),
  });
}

/** One page of alerts matching the request's filters. */
export async function listAlerts(
  db: Queryable,
  req: ListAlertsRequest,
): Promise<{ alerts: StoredAlert[]; nextPageToken: string }> {
  const limit = pageSize(req.pageSize, 50, 1000);
  const { pageToken: _t, pageSize: _s, $typeName: _n, ...filters } = req;
  const fk = filterKey(filters);
  const cursor = decodeCursor(req.pageToken, fk);
  const p = params();
  const where: string[] = [];
  if (req.statuses.length > 0) where.push(`status = ANY(${p.add(req.statuses)}::smallint[])`);
  if (req.minSeverity !== 0) where.push(`severity >= ${p.add(req.minSeverity)}`);
  if (req.instrument !== '') where.push(`instrument = ${p.add(req.instrument)}`);
  if (req.pool !== '') where.push(`pool = ${p.add(req.pool)}`);
  if (req.sessionId !== '') where.push(`session_id = ${p.add(req.sessionId)}`);
  if (req.taskId !== '') where.push(`task_id = ${p.add(req.taskId)}`);
  const range = timeRangeMs(req.timeRange, 'time_range');
  if (range.startMs !== undefined) where.push(`last_seen_time >= to_timestamp(${p.add(range.startMs)} / 1000.0)`);
  if (range.endMs !== undefined) where.push(`last_seen_time < to_timestamp(${p.add(range.endMs)} / 1000.0)`);
  if (cursor) {
    where.push(
      `(last_seen_time, fingerprint) < (${p.add(String(cursor[0]))}::timestamptz, ${p.add(String(cursor[1]))})`,
    );
  }
  const r = await db.query<AlertRow>(
    `SELECT ${COLUMNS} FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY last_seen_time DESC, fingerprint DESC LIMIT ${limit + 1}`,
    p.values,
  );
  const rows = r.rows.slice(0, limit);
  const last = rows.at(-1);
  const next = r.rows.length > limit && last ? encodeCursor(fk, [last.last_us, last.fingerprint]) : '';
  return { alerts: rows.map(toStoredAlert), nextPageToken: next };
}

/** Who changes an alert, and why. */
export type AlertChange = {
  readonly fingerprint: string;
  readonly by: string;
  readonly note: string;
  readonly nowMs: number;
};

async function current(db: Queryable, fingerprint: string): Promise<AlertRow> {
  const r = await db.query<AlertRow>(`SELECT ${COLUMNS} FROM alerts WHERE fingerprint = $1`, [fingerprint]);
  const row = r.rows[0];
  if (!row) throw missing('Alert', fingerprint);
  return row;
}

/** FIRING → ACKNOWLEDGED; ACKNOWLEDGED unchanged; RESOLVED → FAILED_PRECONDITION. */
export async function acknowledgeAlert(db: Queryable, c: AlertChange): Promise<StoredAlert> {
  const r = await db.query<AlertRow>(
    `UPDATE alerts SET status = ${AlertStatus.ACKNOWLEDGED}, acknowledged_by = $2, acknowledge_note = $3,
            acknowledge_time = to_timestamp($4 / 1000.0)
     WHERE fingerprint = $1 AND status = ${AlertStatus.FIRING} RETURNING ${COLUMNS}`,
    [c.fingerprint, c.by, c.note, c.nowMs],
  );
  if (r.rows[0]) return toStoredAlert(r.rows[0]);
  const row = await current(db, c.fingerprint);
  if (row.status === AlertStatus.RESOLVED) {
    throw new RecordStoreError('FAILED_PRECONDITION', `alert ${c.fingerprint} is resolved; it cannot be acknowledged`);
  }
  return toStoredAlert(row);
}

/** Resolves by hand (any status); a later FIRING occurrence reopens it. */
export async function resolveAlert(db: Queryable, c: AlertChange): Promise<StoredAlert> {
  const r = await db.query<AlertRow>(
    `UPDATE alerts SET status = ${AlertStatus.RESOLVED}, resolved_by = $2, resolve_note = $3,
            resolve_time = to_timestamp($4 / 1000.0)
     WHERE fingerprint = $1 AND status <> ${AlertStatus.RESOLVED} RETURNING ${COLUMNS}`,
    [c.fingerprint, c.by, c.note, c.nowMs],
  );
  if (r.rows[0]) return toStoredAlert(r.rows[0]);
  return toStoredAlert(await current(db, c.fingerprint));
}

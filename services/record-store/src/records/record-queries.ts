/**
 * Reading sealed task records: one by record or task id, or a filtered,
 * ordered, cursor-paginated list. Records are stored whole (protobuf); the
 * BASIC view drops the heavy parts.
 */
import { create, fromBinary } from '@bufbuild/protobuf';
import {
  SortOrder,
  TaskRecordSchema,
  TaskRecordView,
  type ListTaskRecordsRequest,
  type TaskRecord,
} from '@nightglow/contracts/records/v1';
import { decodeCursor, encodeCursor, filterKey } from '../cursor.js';
import type { Queryable } from '../db/port.js';
import { isoUs, pageSize, params } from '../db/sql.js';
import { invalid, missing } from '../errors.js';
import { isUuid } from '../ingest/event-rows.js';
import { labelConditions, parseLabelSelector } from '../label-selector.js';
import { timeRangeMs } from '../time-range.js';

/** The record in `view` (BASIC drops spec, timeline, outputs, detections, alerts, anomalies). */
export function inView(bytes: Uint8Array, view: TaskRecordView): TaskRecord {
  const r = fromBinary(TaskRecordSchema, bytes);
  if (view !== TaskRecordView.BASIC) return r;
  return create(TaskRecordSchema, {
    ...r,
    spec: undefined,
    timeline: [],
    outputs: {},
    detections: [],
    alerts: [],
    anomalies: [],
  });
}

/** One record by record id or task id; NOT_FOUND when unknown or not sealed yet. */
export async function getTaskRecord(
  db: Queryable,
  key: { readonly recordId?: string; readonly taskId?: string },
  view: TaskRecordView,
): Promise<TaskRecord> {
  let r;
  if (key.recordId !== undefined) {
    if (!isUuid(key.recordId)) throw missing('TaskRecord', key.recordId);
    r = await db.query<{ record: Uint8Array }>('SELECT record FROM task_records WHERE id = $1', [key.recordId]);
  } else if (key.taskId !== undefined && key.taskId !== '') {
    r = await db.query<{ record: Uint8Array }>('SELECT record FROM task_records WHERE task_id = $1', [key.taskId]);
  } else {
    throw invalid([{ field: 'key', description: 'set record_id or task_id' }]);
  }
  const row = r.rows[0];
  if (!row) throw missing('TaskRecord', key.recordId ?? key.taskId ?? '');
  return inView(row.record, view === TaskRecordView.UNSPECIFIED ? TaskRecordView.FULL : view);
}

/** One page of records. */
export async function listTaskRecords(
  db: Queryable,
  req: ListTaskRecordsRequest,
): Promise<{ records: TaskRecord[]; nextPageToken: string }> {
  const limit = pageSize(req.pageSize, 50, 1000);
  const { pageToken: _t, pageSize: _s, $typeName: _n, view: _v, ...filters } = req;
  const fk = filterKey(filters);
  const cursor = decodeCursor(req.pageToken, fk);
  const asc = req.order === SortOrder.ASCENDING;
  const p = params();
  const where: string[] = [];
  if (req.states.length > 0) where.push(`state = ANY(${p.add(req.states)}::smallint[])`);
  if (req.pool !== '') where.push(`pool = ${p.add(req.pool)}`);
  if (req.sessionId !== '') where.push(`session_id = ${p.add(req.sessionId)}`);
  if (req.templateName !== '') where.push(`template_name = ${p.add(req.templateName)}`);
  where.push(...labelConditions(parseLabelSelector(req.labelSelector, 'label_selector'), 'labels', p));
  const range = timeRangeMs(req.timeRange, 'time_range');
  if (range.startMs !== undefined) where.push(`create_time >= to_timestamp(${p.add(range.startMs)} / 1000.0)`);
  if (range.endMs !== undefined) where.push(`create_time < to_timestamp(${p.add(range.endMs)} / 1000.0)`);
  if (cursor) {
    where.push(
      `(create_time, id) ${asc ? '>' : '<'} (${p.add(String(cursor[0]))}::timestamptz, ${p.add(String(cursor[1]))}::uuid)`,
    );
  }
  const dir = asc ? 'ASC' : 'DESC';
  const r = await db.query<{ id: string; ct: string; record: Uint8Array }>(
    `SELECT id::text AS id, ${isoUs('create_time')} AS ct, record FROM task_records
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY create_time ${dir}, id ${dir} LIMIT ${limit + 1}`,
    p.values,
  );
  const rows = r.rows.slice(0, limit);
  const last = rows.at(-1);
  const view = req.view === TaskRecordView.UNSPECIFIED ? TaskRecordView.BASIC : req.view;
  return {
    records: rows.map((row) => inView(row.record, view)),
    nextPageToken: r.rows.length > limit && last ? encodeCursor(fk, [last.ct, last.id]) : '',
  };
}

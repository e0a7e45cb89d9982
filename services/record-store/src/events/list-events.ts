/**
 * ListEvents: stored events with filters, ordered by event time then event id
 * (ascending by default), cursor-paginated.
 */
import { SortOrder, type ListEventsRequest, type StoredEvent } from '@nightglow/contracts/records/v1';
import { decodeCursor, encodeCursor, filterKey } from '../cursor.js';
import type { Queryable } from '../db/port.js';
import { isoUs, pageSize, params } from '../db/sql.js';
import { timeRangeMs } from '../time-range.js';
import { EVENT_COLUMNS, eventConditions, toStoredEvent, type EventRow } from './event-filter.js';

/** One page of events. */
export async function listEvents(
  db: Queryable,
  req: ListEventsRequest,
): Promise<{ events: StoredEvent[]; nextPageToken: string }> {
  const limit = pageSize(req.pageSize, 100, 1000);
  const { pageToken: _t, pageSize: _s, $typeName: _n, ...filters } = req;
  const fk = filterKey(filters);
  const cursor = decodeCursor(req.pageToken, fk);
  const desc = req.order === SortOrder.DESCENDING;
  const p = params();
  const where = eventConditions(req, p);
  const range = timeRangeMs(req.timeRange, 'time_range');
  if (range.startMs !== undefined) where.push(`time >= to_timestamp(${p.add(range.startMs)} / 1000.0)`);
  if (range.endMs !== undefined) where.push(`time < to_timestamp(${p.add(range.endMs)} / 1000.0)`);
  if (cursor) {
    where.push(
      `(time, event_id) ${desc ? '<' : '>'} (${p.add(String(cursor[0]))}::timestamptz, ${p.add(String(cursor[1]))}::uuid)`,
    );
  }
  const dir = desc ? 'DESC' : 'ASC';
  const r = await db.query<EventRow & { time_us: string }>(
    `SELECT ${EVENT_COLUMNS}, ${isoUs('time')} AS time_us FROM events
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY time ${dir}, event_id ${dir} LIMIT ${limit + 1}`,
    p.values,
  );
  const rows = r.rows.slice(0, limit);
  const last = rows.at(-1);
  const next = r.rows.length > limit && last ? encodeCursor(fk, [last.time_us, last.event_id]) : '';
  return { events: rows.map(toStoredEvent), nextPageToken: next };
}

/**
 * QueryMeasurements: one metric's measurements aggregated per time bucket
 * (count, avg, min, max, and continuous p50/p95 computed by PostgreSQL's
 * `percentile_cont`), optionally one series per group. Buckets are aligned to
 * multiples of the width since the Unix epoch; without a width, one bucket
 * starting at the range start.
 */
import { create } from '@bufbuild/protobuf';
import { durationMs, timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  MeasurementBucketSchema,
  MeasurementGroupBy,
  MeasurementSeriesSchema,
  type MeasurementSeries,
  type QueryMeasurementsRequest,
} from '@nightglow/contracts/records/v1';
import type { Queryable } from '../db/port.js';
import { params } from '../db/sql.js';
import { invalid, type FieldProblem } from '../errors.js';
import { labelConditions, parseLabelSelector } from '../label-selector.js';
import { timeRangeMs } from '../time-range.js';

const GROUP_COLUMNS: Readonly<Record<number, string>> = {
  [MeasurementGroupBy.POOL]: 'pool',
  [MeasurementGroupBy.URL_HOST]: 'url_host',
  [MeasurementGroupBy.INSTRUMENT]: 'instrument',
  [MeasurementGroupBy.SESSION]: 'session_id',
  [MeasurementGroupBy.TASK]: 'task_id',
};
const MAX_BUCKETS = 10_000;

type Window = { startMs: number; endMs: number; widthMs: number | undefined; groups: string[] };

function validate(req: QueryMeasurementsRequest, nowMs: number): Window {
  const problems: FieldProblem[] = [];
  if (req.metric === '') problems.push({ field: 'metric', description: 'is required' });
  const range = timeRangeMs(req.timeRange, 'time_range');
  if (range.startMs === undefined) problems.push({ field: 'time_range.start_time', description: 'is required' });
  const startMs = range.startMs ?? 0;
  const endMs = range.endMs ?? nowMs;
  const widthMs = req.bucketWidth ? durationMs(req.bucketWidth) : undefined;
  if (widthMs !== undefined && widthMs < 1000)
    problems.push({ field: 'bucket_width', description: 'must be at least 1s' });
  else if (widthMs !== undefined && (endMs - startMs) / widthMs > MAX_BUCKETS) {
    problems.push({ field: 'bucket_width', description: `the range would hold more than ${MAX_BUCKETS} buckets` });
  }
  const groups: string[] = [];
  req.groupBy.forEach((g, i) => {
    const column = GROUP_COLUMNS[g];
    if (column === undefined) problems.push({ field: `group_by[${i}]`, description: 'is not a known dimension' });
    else if (!groups.includes(column)) groups.push(column);
  });
  if (problems.length > 0) throw invalid(problems);
  return { startMs, endMs, widthMs, groups };
}

type BucketRow = Record<string, unknown> & {
  b: number;
  n: number;
  avg: number;
  min: number;
  max: number;
  p50: number;
  p95: number;
  unit: string;
};

/** Runs the query; `nowMs` is the default end of the range. */
export async function queryMeasurements(
  db: Queryable,
  req: QueryMeasurementsRequest,
  nowMs: number,
): Promise<{ unit: string; series: MeasurementSeries[] }> {
  const w = validate(req, nowMs);
  const p = params();
  const where = [
    `metric = ${p.add(req.metric)}`,
    `time >= to_timestamp(${p.add(w.startMs)} / 1000.0)`,
    `time < to_timestamp(${p.add(w.endMs)} / 1000.0)`,
  ];
  const eq: [string, string][] = [
    ['instrument', req.instrument],
    ['pool', req.pool],
    ['session_id', req.sessionId],
    ['task_id', req.taskId],
    ['action_id', req.actionId],
    ['url_host', req.urlHost],
  ];
  for (const [column, value] of eq) if (value !== '') where.push(`${column} = ${p.add(value)}`);
  where.push(...labelConditions(parseLabelSelector(req.labelSelector, 'label_selector'), 'labels', p));
  const bucket =
    w.widthMs === undefined
      ? `${p.add(w.startMs)}::float8`
      : `floor((extract(epoch from time) * 1000) / ${p.add(w.widthMs)}) * ${p.add(w.widthMs)}`;
  const groupCols = w.groups.map((g) => `${g}`);
  const r = await db.query<BucketRow>(
    `SELECT ${[...groupCols, `(${bucket})::float8 AS b`].join(', ')}, count(*)::float8 AS n, avg(value) AS avg,
            min(value) AS min, max(value) AS max,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY value) AS p95, max(unit) AS unit
     FROM measurements WHERE ${where.join(' AND ')}
     GROUP BY ${[...groupCols, 'b'].join(', ')} ORDER BY ${[...groupCols, 'b'].join(', ')}`,
    p.values,
  );
  const series = new Map<string, MeasurementSeries>();
  for (const row of r.rows) {
    const group = Object.fromEntries(w.groups.map((g) => [g, String(row[g] ?? '')]));
    const key = JSON.stringify(group);
    let s = series.get(key);
    if (!s) series.set(key, (s = create(MeasurementSeriesSchema, { group })));
    s.buckets.push(
      create(MeasurementBucketSchema, {
        startTime: timestampFromMs(Number(row.b)),
        count: BigInt(Math.round(Number(row.n))),
        avg: Number(row.avg),
        min: Number(row.min),
        max: Number(row.max),
        p50: Number(row.p50),
        p95: Number(row.p95),
      }),
    );
  }
  return { unit: r.rows[0]?.unit ?? '', series: [...series.values()] };
}

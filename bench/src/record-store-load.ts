/**
 * Load generation for the `record-store` benchmark: envelopes shaped like a
 * sidecar's measurements, the baseline (the same rows written straight into
 * PostgreSQL with plain multi-row INSERTs, no Kafka, no record store), and a
 * million generated task records.
 */
import { toBinary } from '@bufbuild/protobuf';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs, timestampMs } from '@bufbuild/protobuf/wkt';
import { createEnvelope } from '@nightglow/bus';
import { Topic, type Envelope } from '@nightglow/contracts/events/v1';
import { TaskState } from '@nightglow/contracts/executor/v1';
import { MeasurementSchema } from '@nightglow/contracts/instrumentation/v1';
import { TaskRecordSchema } from '@nightglow/contracts/records/v1';
import { EnvelopeSchema } from '@nightglow/contracts/events/v1';
import { createPgDb, migrate, MIGRATIONS } from '@nightglow/record-store';
import pg from 'pg';

const METRICS = ['ttfb', 'fcp', 'lcp', 'cls', 'requests', 'bytes'];

/** `n` measurement envelopes over 64 sessions, stamped `atMs`. */
export function measurementEnvelopes(n: number, atMs: number): Envelope[] {
  return Array.from({ length: n }, (_, i) => {
    const sessionId = `session-${i % 64}`;
    const taskId = `task-${i % 512}`;
    const m = create(MeasurementSchema, {
      instrument: `timing.${METRICS[i % METRICS.length]}`,
      metric: METRICS[i % METRICS.length] ?? 'lcp',
      value: (i % 1000) + 0.5,
      unit: 'ms',
      sessionId,
      taskId,
      actionId: `${taskId}/${i % 5}`,
      pool: `pool-${i % 4}`,
      url: 'http://127.0.0.1:8088/news',
      time: timestampFromMs(atMs),
      labels: { team: 'search' },
    });
    return createEnvelope({
      type: 'measurement.recorded',
      source: { service: 'instrumentation-sidecar', instance: 'bench', version: '0.1.0' },
      payload: { case: 'measurement', value: m },
      sessionId,
      taskId,
      actionId: m.actionId,
      pool: m.pool,
      time: atMs,
    });
  });
}

/** Creates the schema in `url` and inserts the envelopes' rows with plain multi-row INSERTs; returns rows/s. */
export async function baselineInsert(url: string, envelopes: readonly Envelope[]): Promise<number> {
  const db = createPgDb({ url });
  await migrate(db, MIGRATIONS);
  await db.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const started = performance.now();
  for (let i = 0; i < envelopes.length; i += 1000) {
    const chunk = envelopes.slice(i, i + 1000);
    await client.query('BEGIN');
    await client.query(
      multiRow(
        'events',
        ['event_id', 'type', 'topic', 'time', 'ingest_time', 'session_id', 'task_id', 'action_id', 'pool', 'envelope'],
        chunk.map((e) => [
          e.eventId,
          e.type,
          Topic.MEASUREMENTS,
          new Date(timestampMs(e.time!)),
          new Date(),
          e.sessionId,
          e.taskId,
          e.actionId,
          e.pool,
          Buffer.from(toBinary(EnvelopeSchema, e)),
        ]),
      ),
    );
    await client.query(
      multiRow(
        'measurements',
        [
          'event_id',
          'time',
          'metric',
          'instrument',
          'unit',
          'value',
          'session_id',
          'task_id',
          'action_id',
          'pool',
          'url_host',
          'labels',
        ],
        chunk.map((e) => {
          const m = e.payload.case === 'measurement' ? e.payload.value : create(MeasurementSchema, {});
          return [
            e.eventId,
            new Date(timestampMs(e.time!)),
            m.metric,
            m.instrument,
            m.unit,
            m.value,
            m.sessionId,
            m.taskId,
            m.actionId,
            m.pool,
            '127.0.0.1:8088',
            JSON.stringify(m.labels),
          ];
        }),
      ),
    );
    await client.query('COMMIT');
  }
  const seconds = (performance.now() - started) / 1000;
  await client.end();
  return envelopes.length / seconds;
}

function multiRow(table: string, columns: string[], rows: unknown[][]): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const tuples = rows.map((row) => `(${row.map((v) => (values.push(v), `$${values.length}`)).join(', ')})`);
  return { text: `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, values };
}

/** Inserts `n` sealed task records with `generate_series` (one representative record body). */
export async function generateRecords(url: string, n: number): Promise<void> {
  const body = toBinary(
    TaskRecordSchema,
    create(TaskRecordSchema, {
      taskId: 'generated',
      state: TaskState.SUCCEEDED,
      pool: 'pool-0',
      actionCount: 5,
      eventCount: 120n,
    }),
  );
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(
    `INSERT INTO task_records (id, task_id, session_id, pool, state, template_name, labels, create_time, finish_time, seal_time, record)
     SELECT gen_random_uuid(), 'gen-' || i, 'session-' || (i % 5000), 'pool-' || (i % 10), 3 + (i % 4), '',
            jsonb_build_object('team', 'team-' || (i % 20), 'env', CASE WHEN i % 2 = 0 THEN 'prod' ELSE 'staging' END),
            now() - make_interval(secs => i), now() - make_interval(secs => i) + interval '5 seconds', now(), $1
     FROM generate_series(1, $2) AS i`,
    [Buffer.from(body), n],
  );
  await client.query('ANALYZE task_records');
  await client.end();
}

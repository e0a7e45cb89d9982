/**
 * The reading RPCs: task records, events (list and live tail), measurements,
 * alerts and artifacts.
 */
import { create } from '@bufbuild/protobuf';
import { timestampFromMs, timestampMs } from '@bufbuild/protobuf/wkt';
import { ArtifactRefSchema } from '@nightglow/contracts/common/v1';
import {
  GetArtifactResponseSchema,
  GetTaskRecordResponseSchema,
  ListAlertsResponseSchema,
  ListEventsResponseSchema,
  ListTaskRecordsResponseSchema,
  QueryMeasurementsResponseSchema,
  WatchEventsResponseSchema,
  type RecordStore,
} from '@nightglow/contracts/records/v1';
import type { ServiceImpl } from '@connectrpc/connect';
import { listAlerts } from '../alerts/alert-store.js';
import { ms } from '../db/sql.js';
import { missing, RecordStoreError } from '../errors.js';
import { listEvents } from '../events/list-events.js';
import { queryMeasurements } from '../measurements/query-measurements.js';
import { getTaskRecord, listTaskRecords } from '../records/record-queries.js';
import type { HandlerDeps } from './deps.js';
import type { Guard } from './guard.js';

type Impl = ServiceImpl<typeof RecordStore>;
type ReadMethods =
  | 'getTaskRecord'
  | 'listTaskRecords'
  | 'queryMeasurements'
  | 'listEvents'
  | 'watchEvents'
  | 'listAlerts'
  | 'getArtifact';

/** The reading handlers, each behind the guard. */
export function readHandlers(d: HandlerDeps, g: Guard): Pick<Impl, ReadMethods> {
  return {
    getTaskRecord: g.unary('GetTaskRecord', async (req) => {
      const key = req.key.case === 'recordId' ? { recordId: req.key.value } : { taskId: req.key.value ?? '' };
      return create(GetTaskRecordResponseSchema, { taskRecord: await getTaskRecord(d.db, key, req.view) });
    }),
    listTaskRecords: g.unary('ListTaskRecords', async (req) => {
      const page = await listTaskRecords(d.db, req);
      return create(ListTaskRecordsResponseSchema, { taskRecords: page.records, nextPageToken: page.nextPageToken });
    }),
    queryMeasurements: g.unary('QueryMeasurements', async (req) =>
      create(QueryMeasurementsResponseSchema, await queryMeasurements(d.db, req, d.clock.now())),
    ),
    listEvents: g.unary('ListEvents', async (req) => create(ListEventsResponseSchema, await listEvents(d.db, req))),
    watchEvents: g.stream('WatchEvents', async function* (req, _who, ctx) {
      const startMs = req.startTime ? timestampMs(req.startTime) : undefined;
      for await (const event of d.tail.watch(req, startMs, ctx.signal)) {
        yield create(WatchEventsResponseSchema, { event });
      }
    }),
    listAlerts: g.unary('ListAlerts', async (req) => create(ListAlertsResponseSchema, await listAlerts(d.db, req))),
    getArtifact: g.unary('GetArtifact', async (req) => {
      const r = await d.db.query<{
        id: string;
        kind: number;
        content_type: string;
        name: string;
        sha256: string;
        size: number;
        create_ms: number;
        data: Uint8Array;
      }>(
        `SELECT id, kind, content_type, name, sha256, size_bytes::float8 AS size, ${ms('create_time')} AS create_ms, data
         FROM artifacts WHERE id = $1`,
        [req.artifactId],
      );
      const row = r.rows[0];
      if (!row) throw missing('Artifact', req.artifactId);
      if (row.data.byteLength > d.maxMessageBytes - 4096) {
        throw new RecordStoreError(
          'RESOURCE_EXHAUSTED',
          `artifact is ${row.data.byteLength} bytes, over the message limit`,
        );
      }
      const artifact = create(ArtifactRefSchema, {
        id: row.id,
        kind: row.kind,
        contentType: row.content_type,
        name: row.name,
        sha256: row.sha256,
        sizeBytes: BigInt(Math.round(Number(row.size))),
        createTime: timestampFromMs(Number(row.create_ms)),
      });
      return create(GetArtifactResponseSchema, { artifact, data: row.data });
    }),
  };
}

/**
 * What the RecordStore handlers share: the database, the Clock, the live
 * tail, metrics, and limits.
 */
import type { Clock } from '@nightglow/runtime';
import type { RecordDb } from '../db/port.js';
import type { EventTail } from '../events/event-tail.js';
import type { WriteResult } from '../ingest/write-events.js';
import type { RecordMetrics } from '../metrics.js';

/** Dependencies of the handlers. */
export type HandlerDeps = {
  readonly db: RecordDb;
  readonly clock: Clock;
  readonly tail: EventTail;
  readonly metrics: RecordMetrics;
  /** Grace period between a task's terminal event and its seal (events ingested by RPC schedule seals too). */
  readonly sealGraceMs: number;
  /** Largest response message (GetArtifact answers RESOURCE_EXHAUSTED beyond). */
  readonly maxMessageBytes: number;
  /** Called after IngestEvents committed new events. */
  readonly onCommitted?: (result: WriteResult) => void;
};

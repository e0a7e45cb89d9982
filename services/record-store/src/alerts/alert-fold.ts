/**
 * Folding alert occurrences into deduplicated alerts, keyed by fingerprint.
 * A FIRING occurrence counts, moves `last_seen_time`, and reopens a RESOLVED
 * alert (clearing its acknowledgement); an ACKNOWLEDGED alert stays
 * acknowledged. A RESOLVED occurrence resolves it `by sidecar`.
 */
import { toBinary } from '@bufbuild/protobuf';
import { AlertSchema, AlertState, type Alert } from '@nightglow/contracts/instrumentation/v1';
import { AlertStatus } from '@nightglow/contracts/records/v1';
import type { Queryable } from '../db/port.js';

/** Folds one alert occurrence (at `timeMs`) into the alerts table, in the caller's transaction. */
export async function foldAlert(tx: Queryable, alert: Alert, timeMs: number): Promise<void> {
  if (alert.fingerprint === '') return;
  const firing = alert.state !== AlertState.RESOLVED;
  await tx.query(
    `INSERT INTO alerts AS a (fingerprint, latest, severity, instrument, pool, session_id, task_id, status,
                              occurrence_count, first_seen_time, last_seen_time, resolved_by, resolve_time)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, to_timestamp($10 / 1000.0), to_timestamp($10 / 1000.0),
             CASE WHEN $11 THEN '' ELSE 'sidecar' END,
             CASE WHEN $11 THEN NULL ELSE to_timestamp($10 / 1000.0) END)
     ON CONFLICT (fingerprint) DO UPDATE SET
       latest = CASE WHEN EXCLUDED.last_seen_time >= a.last_seen_time THEN EXCLUDED.latest ELSE a.latest END,
       severity = CASE WHEN EXCLUDED.last_seen_time >= a.last_seen_time THEN EXCLUDED.severity ELSE a.severity END,
       occurrence_count = a.occurrence_count + EXCLUDED.occurrence_count,
       last_seen_time = CASE WHEN $11 THEN greatest(a.last_seen_time, EXCLUDED.last_seen_time) ELSE a.last_seen_time END,
       status = CASE WHEN NOT $11 THEN ${AlertStatus.RESOLVED}
                     WHEN a.status = ${AlertStatus.RESOLVED} THEN ${AlertStatus.FIRING} ELSE a.status END,
       acknowledged_by = CASE WHEN $11 AND a.status = ${AlertStatus.RESOLVED} THEN '' ELSE a.acknowledged_by END,
       acknowledge_time = CASE WHEN $11 AND a.status = ${AlertStatus.RESOLVED} THEN NULL ELSE a.acknowledge_time END,
       acknowledge_note = CASE WHEN $11 AND a.status = ${AlertStatus.RESOLVED} THEN '' ELSE a.acknowledge_note END,
       resolved_by = CASE WHEN $11 THEN (CASE WHEN a.status = ${AlertStatus.RESOLVED} THEN '' ELSE a.resolved_by END)
                          ELSE 'sidecar' END,
       resolve_time = CASE WHEN $11 THEN (CASE WHEN a.status = ${AlertStatus.RESOLVED} THEN NULL ELSE a.resolve_time END)
                           ELSE EXCLUDED.resolve_time END,
       resolve_note = CASE WHEN $11 THEN '' ELSE a.resolve_note END`,
    [
      alert.fingerprint,
      toBinary(AlertSchema, alert),
      alert.severity,
      alert.instrument,
      alert.pool,
      alert.sessionId,
      alert.taskId,
      firing ? AlertStatus.FIRING : AlertStatus.RESOLVED,
      firing ? 1 : 0,
      timeMs,
      firing,
    ],
  );
}

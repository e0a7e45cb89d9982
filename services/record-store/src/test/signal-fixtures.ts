/**
 * Envelope builders for signals: measurements, alert transitions and external
 * events (as a CI pipeline would send them).
 */
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { createEnvelope } from '@nightglow/bus';
import { Severity } from '@nightglow/contracts/common/v1';
import { ExternalEventSchema, type Envelope } from '@nightglow/contracts/events/v1';
import { AlertSchema, AlertState, MeasurementSchema } from '@nightglow/contracts/instrumentation/v1';
import { v7 as uuidv7 } from 'uuid';

const source = { service: 'test', instance: 'test-1', version: '0.0.0' };

/** A measurement event. */
export function measurement(o: {
  metric: string;
  value: number;
  timeMs: number;
  taskId?: string;
  actionId?: string;
  pool?: string;
  sessionId?: string;
  url?: string;
}): Envelope {
  const m = create(MeasurementSchema, {
    instrument: `timing.${o.metric}`,
    metric: o.metric,
    value: o.value,
    unit: 'ms',
    taskId: o.taskId ?? '',
    actionId: o.actionId ?? '',
    pool: o.pool ?? 'default',
    sessionId: o.sessionId ?? 's-1',
    url: o.url ?? 'http://127.0.0.1:8088/news',
    time: timestampFromMs(o.timeMs),
  });
  return createEnvelope({
    type: 'measurement.recorded',
    source,
    payload: { case: 'measurement', value: m },
    sessionId: m.sessionId,
    taskId: m.taskId,
    actionId: m.actionId,
    pool: m.pool,
    time: o.timeMs,
  });
}

/** An alert transition. */
export function alertEvent(o: { fingerprint: string; firing: boolean; timeMs: number; taskId?: string }): Envelope {
  const a = create(AlertSchema, {
    fingerprint: o.fingerprint,
    severity: Severity.WARNING,
    instrument: 'timing.lcp',
    metric: 'lcp',
    value: 3000,
    threshold: 2500,
    state: o.firing ? AlertState.FIRING : AlertState.RESOLVED,
    message: 'lcp 3000 ms above 2500 ms',
    sessionId: 's-1',
    taskId: o.taskId ?? '',
    pool: 'default',
    time: timestampFromMs(o.timeMs),
  });
  return createEnvelope({
    type: o.firing ? 'alert.firing' : 'alert.resolved',
    source,
    payload: { case: 'alert', value: a },
    sessionId: 's-1',
    taskId: a.taskId,
    pool: 'default',
    time: o.timeMs,
  });
}

/** An external event (as a CI pipeline would send it). */
export function externalEvent(type: string, timeMs: number, eventId: string = uuidv7()): Envelope {
  return createEnvelope({
    type,
    source: { service: 'ci' },
    eventId,
    time: timeMs,
    payload: { case: 'external', value: create(ExternalEventSchema, { name: type.split('.').at(-1) ?? type }) },
  });
}

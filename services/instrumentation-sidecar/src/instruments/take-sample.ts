/**
 * Taking one sample of one instrument: the sample-rate draw, reading the value
 * (with the command timeout), counting it on the instrument, building the
 * Measurement, publishing it and its signals. A page that closed while being
 * read is not an instrument error; anything else sets the instrument's ERROR
 * status with the message until the next good sample.
 */
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { isCdpError } from '@nightglow/cdp';
import {
  DetectionSchema,
  InstrumentStatus,
  MeasurementSchema,
  type Measurement,
} from '@nightglow/contracts/instrumentation/v1';
import { metricSpec } from '../blueprints/catalog.js';
import type { Attribution } from '../pages/session-map.js';
import type { SignalPublisher } from '../publish/signal-publisher.js';
import type { SignalEngine } from '../signals/signal-engine.js';
import type { InstrumentEntry } from './registry.js';

/** What a sample needs from the sidecar. */
export type SampleDeps = {
  readonly publisher: SignalPublisher;
  readonly signals: SignalEngine;
  readonly now: () => number;
  /** Uniform in [0, 1), for sample rates. */
  readonly random: () => number;
};

/** Where the sample was taken. */
export type SampleTarget = { readonly targetId: string; readonly url: string; readonly who: Attribution };

/** A read value; detection reads also carry their verdict. */
export type SampleValue =
  { readonly value: number; readonly detected?: boolean; readonly observed?: string } | undefined;

function pageGone(error: unknown): boolean {
  return (
    isCdpError(error, 'TARGET_CLOSED') ||
    isCdpError(error, 'CLOSED') ||
    (isCdpError(error) && error.protocolCode === -32001)
  );
}

/** True when the sample-rate draw says "sample this firing" (counts a skip otherwise). */
export function drawn(entry: InstrumentEntry, deps: SampleDeps): boolean {
  const rate = entry.blueprint.sampleRate ?? 1;
  if (rate >= 1 || deps.random() < rate) return true;
  entry.skipped += 1;
  return false;
}

/** Reads and publishes one sample; never throws. Resolves with the measurement, if one was taken. */
export async function takeSample(
  entry: InstrumentEntry,
  target: SampleTarget,
  read: () => Promise<SampleValue>,
  deps: SampleDeps,
): Promise<Measurement | undefined> {
  let got: SampleValue;
  try {
    got = await read();
  } catch (error) {
    if (pageGone(error)) return undefined;
    entry.errors += 1;
    entry.status = InstrumentStatus.ERROR;
    entry.statusMessage = error instanceof Error ? error.message : String(error);
    return undefined;
  }
  if (got === undefined || !entry.enabled) return undefined; // disabled while reading: publish nothing
  const bp = entry.blueprint;
  const nowMs = deps.now();
  entry.samples += 1;
  entry.lastValue = got.value;
  entry.lastSampleMs = nowMs;
  entry.status = InstrumentStatus.ACTIVE;
  const m = create(MeasurementSchema, {
    instrument: bp.name,
    metric: bp.metric,
    kind: bp.kind,
    value: got.value,
    unit: bp.unit,
    sessionId: target.who.sessionId,
    taskId: target.who.taskId,
    actionId: target.who.actionId,
    pool: target.who.pool,
    targetId: target.targetId,
    url: target.url,
    time: timestampFromMs(nowMs),
    labels: { ...target.who.labels, ...bp.labels },
  });
  deps.publisher.measurement(m);
  const signal = metricSpec(bp.metric)?.signal;
  if (signal !== undefined && got.detected !== undefined) {
    deps.publisher.detection(
      create(DetectionSchema, {
        signal,
        detected: got.detected,
        observed: got.observed ?? '',
        instrument: bp.name,
        sessionId: m.sessionId,
        taskId: m.taskId,
        actionId: m.actionId,
        pool: m.pool,
        targetId: m.targetId,
        url: m.url,
        ...(m.time === undefined ? {} : { time: m.time }),
      }),
    );
  }
  deps.signals.evaluate(entry, m);
  return m;
}

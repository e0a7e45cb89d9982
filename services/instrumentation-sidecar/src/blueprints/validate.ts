/**
 * Blueprint validation: every problem is reported with the field path, prefixed
 * by where the blueprint came from (e.g. `blueprints[2].trigger`), so a bad file
 * or command names exactly what to fix.
 */
import { ActionPhase, InstrumentKind, PageEvent, type Blueprint } from '@nightglow/contracts/instrumentation/v1';
import type { FieldViolation } from '@nightglow/runtime';
import { metricSpec, UNITS } from './catalog.js';

const NAME = /^[a-z0-9_.-]+$/;

function join(prefix: string, field: string): string {
  return prefix === '' ? field : `${prefix}.${field}`;
}

function triggerProblems(bp: Blueprint, at: (f: string) => string): FieldViolation[] {
  const out: FieldViolation[] = [];
  const t = bp.trigger?.trigger;
  const spec = metricSpec(bp.metric);
  if (t === undefined || t.case === undefined) {
    out.push({ field: at('trigger'), description: 'exactly one of interval, action_phase, page_event must be set' });
    return out;
  }
  if (t.case === 'interval') {
    const ms = Number(t.value.seconds) * 1000 + t.value.nanos / 1e6;
    if (!(ms >= 100)) out.push({ field: at('trigger.interval'), description: `must be at least 100ms, got ${ms}ms` });
  } else if (t.case === 'actionPhase') {
    if (t.value === ActionPhase.UNSPECIFIED)
      out.push({ field: at('trigger.action_phase'), description: 'must be START or END' });
  } else if (t.value === PageEvent.UNSPECIFIED) {
    out.push({ field: at('trigger.page_event'), description: 'must name a page event' });
  }
  const phaseOnly = spec !== undefined && (spec.source === 'phase' || spec.source === 'composite');
  if (phaseOnly && !(t.case === 'actionPhase' && t.value === ActionPhase.END)) {
    out.push({ field: at('trigger'), description: `metric ${bp.metric} is taken at action_phase END` });
  }
  return out;
}

function thresholdProblems(bp: Blueprint, at: (f: string) => string): FieldViolation[] {
  const th = bp.thresholds;
  if (th === undefined) return [];
  const out: FieldViolation[] = [];
  for (const [field, v] of [
    ['warn', th.warn],
    ['critical', th.critical],
  ] as const) {
    if (v !== undefined && !Number.isFinite(v))
      out.push({ field: at(`thresholds.${field}`), description: 'must be a finite number' });
  }
  if (!Number.isFinite(th.hysteresis) || th.hysteresis < 0) {
    out.push({ field: at('thresholds.hysteresis'), description: 'must be a finite number >= 0' });
  }
  if (th.warn !== undefined && th.critical !== undefined) {
    const below = th.direction === 2;
    if (below ? th.critical > th.warn : th.critical < th.warn) {
      out.push({
        field: at('thresholds.critical'),
        description: `must be ${below ? 'at most' : 'at least'} warn (${th.warn})`,
      });
    }
  }
  return out;
}

/** Every problem of `bp`, with field paths under `prefix` (empty: top level). */
export function blueprintProblems(bp: Blueprint, prefix = ''): FieldViolation[] {
  const at = (f: string): string => join(prefix, f);
  const out: FieldViolation[] = [];
  if (!NAME.test(bp.name)) out.push({ field: at('name'), description: 'must match [a-z0-9_.-]+' });
  const spec = metricSpec(bp.metric);
  if (bp.kind === InstrumentKind.UNSPECIFIED) out.push({ field: at('kind'), description: 'must be set' });
  if (spec === undefined) {
    out.push({ field: at('metric'), description: `unknown metric ${JSON.stringify(bp.metric)}` });
  } else if (bp.kind !== InstrumentKind.UNSPECIFIED && spec.kind !== bp.kind) {
    out.push({
      field: at('metric'),
      description: `${bp.metric} belongs to kind ${InstrumentKind[spec.kind]}, not ${InstrumentKind[bp.kind] ?? bp.kind}`,
    });
  }
  if (bp.unit !== '' && !UNITS.includes(bp.unit))
    out.push({ field: at('unit'), description: `must be one of ${UNITS.join(', ')}` });
  out.push(...triggerProblems(bp, at), ...thresholdProblems(bp, at));
  if (bp.sampleRate !== undefined && !(bp.sampleRate >= 0 && bp.sampleRate <= 1)) {
    out.push({ field: at('sample_rate'), description: 'must be between 0 and 1' });
  }
  const ad = bp.anomalyDetection;
  if (ad !== undefined && (!Number.isFinite(ad.zThreshold) || ad.zThreshold < 0)) {
    out.push({ field: at('anomaly_detection.z_threshold'), description: 'must be a finite number >= 0' });
  }
  if (ad !== undefined && ad.window !== 0 && ad.minSamples > ad.window) {
    out.push({ field: at('anomaly_detection.min_samples'), description: 'must not exceed window' });
  }
  for (const key of Object.keys(bp.labels)) {
    if (key === '') out.push({ field: at('labels'), description: 'label keys must not be empty' });
  }
  return out;
}

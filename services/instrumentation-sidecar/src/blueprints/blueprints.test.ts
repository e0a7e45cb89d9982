import { create } from '@bufbuild/protobuf';
import { BlueprintSchema, InstrumentKind, PageEvent } from '@nightglow/contracts/instrumentation/v1';
import { describe, expect, it } from 'vitest';
import { isSidecarError } from '../errors.js';
import { parseBlueprintFile } from './blueprint-file.js';
import { builtinBlueprints } from './builtins.js';
import { METRICS } from './catalog.js';
import { blueprintProblems } from './validate.js';

function fieldsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (isSidecarError(error, 'INVALID_ARGUMENT')) return error.violations.map((v) => v.field);
    throw error;
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('blueprints', () => {
  it('has a valid built-in for every metric of every kind', () => {
    const builtins = builtinBlueprints();
    expect(builtins.map((b) => b.metric).sort()).toEqual(Object.keys(METRICS).sort());
    for (const bp of builtins) expect(blueprintProblems(bp)).toEqual([]);
    const kinds = new Set(builtins.map((b) => b.kind));
    for (const k of [1, 2, 3, 4, 5, 6]) expect(kinds.has(k as InstrumentKind)).toBe(true);
  });

  it('parses YAML and JSON files of BlueprintFile, filling the unit', () => {
    const yaml = `blueprints:
  - name: timing.slow-ttfb
    kind: INSTRUMENT_KIND_TIMING
    metric: ttfb
    trigger: { pageEvent: PAGE_EVENT_LOAD }
    thresholds: { warn: 500, critical: 1500, hysteresis: 50 }
    labels: { team: search }
  - name: state.dom
    kind: INSTRUMENT_KIND_STATE
    metric: dom_nodes
    trigger: { interval: 1s }
    sampleRate: 0.5
`;
    const [a, b] = parseBlueprintFile(yaml);
    expect(a).toMatchObject({ name: 'timing.slow-ttfb', unit: 'ms', labels: { team: 'search' } });
    expect(a?.trigger?.trigger).toEqual({ case: 'pageEvent', value: PageEvent.LOAD });
    expect(b).toMatchObject({ unit: 'count', sampleRate: 0.5 });
    const json = JSON.stringify({
      blueprints: [
        { name: 'x', kind: 'INSTRUMENT_KIND_NETWORK', metric: 'bytes', trigger: { pageEvent: 'PAGE_EVENT_LOAD' } },
      ],
    });
    expect(parseBlueprintFile(json)[0]?.unit).toBe('bytes');
  });

  it('rejects a bad file naming every offending field', () => {
    const bad = `blueprints:
  - { name: ok, kind: INSTRUMENT_KIND_TIMING, metric: ttfb, trigger: { pageEvent: PAGE_EVENT_LOAD } }
  - { name: no-trigger, kind: INSTRUMENT_KIND_TIMING, metric: ttfb }
  - { name: Bad Name, kind: INSTRUMENT_KIND_NETWORK, metric: ttfb, trigger: { interval: 0.01s } }
  - { name: ok, kind: INSTRUMENT_KIND_TIMING, metric: action_duration, trigger: { pageEvent: PAGE_EVENT_LOAD }, sampleRate: 2 }
  - { name: t, kind: INSTRUMENT_KIND_TIMING, metric: ttfb, trigger: { pageEvent: PAGE_EVENT_LOAD }, bogus: 1 }
`;
    expect(fieldsOf(() => parseBlueprintFile(bad))).toEqual([
      'blueprints[1].trigger',
      'blueprints[2].name',
      'blueprints[2].metric',
      'blueprints[2].trigger.interval',
      'blueprints[3].trigger',
      'blueprints[3].sample_rate',
      'blueprints[3].name',
      'blueprints[4]',
    ]);
    expect(fieldsOf(() => parseBlueprintFile('blueprints: [\n'))).toEqual(['']);
    expect(fieldsOf(() => parseBlueprintFile('blueprints: 3'))).toEqual(['blueprints']);
    expect(fieldsOf(() => parseBlueprintFile('bluprints: []'))).toEqual(['bluprints']);
  });

  it('checks thresholds order and the hysteresis', () => {
    const bp = create(BlueprintSchema, {
      name: 'x',
      kind: InstrumentKind.TIMING,
      metric: 'ttfb',
      trigger: { trigger: { case: 'pageEvent', value: PageEvent.LOAD } },
      thresholds: { warn: 500, critical: 100, hysteresis: -1 },
    });
    expect(blueprintProblems(bp, 'blueprint').map((v) => v.field)).toEqual([
      'blueprint.thresholds.hysteresis',
      'blueprint.thresholds.critical',
    ]);
  });
});

/**
 * The catalog of built-in measurements: which metric belongs to which kind, its
 * natural unit, and which triggers make sense for it. Validation and the
 * sampler read it; adding a metric starts here.
 */
import { DetectionSignal, InstrumentKind } from '@nightglow/contracts/instrumentation/v1';

/** How a metric is read: from page state, from a phase mark, or through an isolated world. */
export type MetricSource = 'page' | 'phase' | 'detection' | 'composite';

/** One catalog entry. */
export type MetricSpec = {
  readonly kind: InstrumentKind;
  readonly unit: string;
  readonly source: MetricSource;
  /** For detection metrics: the signal reported on `detections`. */
  readonly signal?: DetectionSignal;
};

const T = InstrumentKind.TIMING;
const N = InstrumentKind.NETWORK;
const S = InstrumentKind.STATE;
const B = InstrumentKind.BEHAVIORAL;
const D = InstrumentKind.DETECTION;

/** Every metric a blueprint may name, keyed by metric. */
export const METRICS: Readonly<Record<string, MetricSpec>> = {
  action_duration: { kind: T, unit: 'ms', source: 'phase' },
  ttfb: { kind: T, unit: 'ms', source: 'page' },
  fcp: { kind: T, unit: 'ms', source: 'page' },
  lcp: { kind: T, unit: 'ms', source: 'page' },
  cls: { kind: T, unit: 'score', source: 'page' },
  dom_content_loaded: { kind: T, unit: 'ms', source: 'page' },
  load: { kind: T, unit: 'ms', source: 'page' },
  requests: { kind: N, unit: 'count', source: 'page' },
  failed_requests: { kind: N, unit: 'count', source: 'page' },
  bytes: { kind: N, unit: 'bytes', source: 'page' },
  connections: { kind: N, unit: 'count', source: 'page' },
  url_transitions: { kind: S, unit: 'count', source: 'page' },
  dom_nodes: { kind: S, unit: 'count', source: 'page' },
  js_heap_used: { kind: S, unit: 'bytes', source: 'page' },
  mouse_path_length: { kind: B, unit: 'px', source: 'phase' },
  typing_cadence: { kind: B, unit: 'ms', source: 'phase' },
  webdriver: { kind: D, unit: 'bool', source: 'detection', signal: DetectionSignal.WEBDRIVER },
  headless_user_agent: { kind: D, unit: 'bool', source: 'detection', signal: DetectionSignal.HEADLESS_USER_AGENT },
  permissions: { kind: D, unit: 'bool', source: 'detection', signal: DetectionSignal.PERMISSIONS },
  webgl_renderer: { kind: D, unit: 'bool', source: 'detection', signal: DetectionSignal.WEBGL_RENDERER },
  plugin_count: { kind: D, unit: 'count', source: 'detection', signal: DetectionSignal.PLUGIN_COUNT },
  error_snapshot: { kind: InstrumentKind.COMPOSITE, unit: 'count', source: 'composite' },
};

/** Units a blueprint may use. */
export const UNITS: readonly string[] = ['ms', 'count', 'bytes', 'px', 'score', 'bool'];

/** The catalog entry of `metric`, or undefined. */
export function metricSpec(metric: string): MetricSpec | undefined {
  return Object.hasOwn(METRICS, metric) ? METRICS[metric] : undefined;
}

/**
 * The built-in blueprints: one instrument for every metric of the catalog, so a
 * sidecar without a blueprint file measures everything the issue lists. A
 * blueprint file overrides them by name.
 */
import { create } from '@bufbuild/protobuf';
import { durationFromMs } from '@bufbuild/protobuf/wkt';
import {
  ActionPhase,
  BlueprintSchema,
  PageEvent,
  ThresholdDirection,
  type Blueprint,
  type Trigger,
} from '@nightglow/contracts/instrumentation/v1';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { TriggerSchema } from '@nightglow/contracts/instrumentation/v1';
import { METRICS } from './catalog.js';

type TriggerInit = MessageInitShape<typeof TriggerSchema>;

const onEvent = (event: PageEvent): TriggerInit => ({ trigger: { case: 'pageEvent', value: event } });
const every = (ms: number): TriggerInit => ({ trigger: { case: 'interval', value: durationFromMs(ms) } });
const atEnd: TriggerInit = { trigger: { case: 'actionPhase', value: ActionPhase.END } };

/** Trigger, thresholds and description of each built-in, by metric. */
const DEFAULTS: Readonly<
  Record<string, { trigger: TriggerInit; description: string; warn?: number; critical?: number; below?: boolean }>
> = {
  action_duration: {
    trigger: atEnd,
    description: 'Duration of each action, START to END mark',
    warn: 10_000,
    critical: 30_000,
  },
  ttfb: {
    trigger: onEvent(PageEvent.LIFECYCLE),
    description: 'Time to first byte of the main document',
    warn: 800,
    critical: 1800,
  },
  fcp: {
    trigger: onEvent(PageEvent.LIFECYCLE),
    description: 'First contentful paint (Page.lifecycleEvent)',
    warn: 1800,
    critical: 3000,
  },
  lcp: {
    trigger: onEvent(PageEvent.TIMELINE),
    description: 'Largest contentful paint (PerformanceTimeline)',
    warn: 2500,
    critical: 4000,
  },
  cls: {
    trigger: onEvent(PageEvent.TIMELINE),
    description: 'Cumulative layout shift (PerformanceTimeline)',
    warn: 0.1,
    critical: 0.25,
  },
  dom_content_loaded: {
    trigger: onEvent(PageEvent.DOMCONTENTLOADED),
    description: 'DOMContentLoaded since navigation start',
  },
  load: {
    trigger: onEvent(PageEvent.LOAD),
    description: 'load event since navigation start',
    warn: 5000,
    critical: 15_000,
  },
  requests: { trigger: onEvent(PageEvent.LOAD), description: 'Requests of the page since its navigation' },
  failed_requests: {
    trigger: onEvent(PageEvent.LOAD),
    description: 'Failed requests (network error or HTTP >= 400) since navigation',
    warn: 1,
    critical: 10,
  },
  bytes: { trigger: onEvent(PageEvent.LOAD), description: 'Encoded bytes received since navigation' },
  connections: { trigger: onEvent(PageEvent.LOAD), description: 'Distinct connections used since navigation' },
  url_transitions: { trigger: onEvent(PageEvent.NAVIGATION), description: 'Main-frame URL changes of the page' },
  dom_nodes: { trigger: every(5000), description: 'DOM nodes (Memory.getDOMCounters)', warn: 15_000, critical: 50_000 },
  js_heap_used: { trigger: every(5000), description: 'Used JS heap (Performance.getMetrics)' },
  mouse_path_length: { trigger: atEnd, description: 'Mouse path length of the action (from MarkPhase)' },
  typing_cadence: { trigger: atEnd, description: 'Mean interval between key presses of the action (from MarkPhase)' },
  webdriver: {
    trigger: onEvent(PageEvent.LOAD),
    description: 'navigator.webdriver, read in an isolated world',
    warn: 0.5,
  },
  headless_user_agent: { trigger: onEvent(PageEvent.LOAD), description: 'HeadlessChrome in the user agent', warn: 0.5 },
  permissions: {
    trigger: onEvent(PageEvent.LOAD),
    description: 'Permissions API contradicting Notification.permission',
    warn: 0.5,
  },
  webgl_renderer: { trigger: onEvent(PageEvent.LOAD), description: 'Software WebGL renderer (SwiftShader, llvmpipe)' },
  plugin_count: { trigger: onEvent(PageEvent.LOAD), description: 'navigator.plugins.length', warn: 0.5, below: true },
  error_snapshot: {
    trigger: atEnd,
    description: 'URL, title, screenshot and recent failed requests when an action fails',
  },
};

/** The built-in blueprint of each catalog metric, named `<kind>.<metric>`. */
export function builtinBlueprints(): Blueprint[] {
  return Object.entries(METRICS).map(([metric, spec]) => {
    const d = DEFAULTS[metric];
    const kindName = ['', 'timing', 'network', 'state', 'behavioral', 'detection', 'composite'][spec.kind] ?? 'x';
    const hasThresholds = d?.warn !== undefined || d?.critical !== undefined;
    return create(BlueprintSchema, {
      name: `${kindName}.${metric}`,
      kind: spec.kind,
      metric,
      unit: spec.unit,
      trigger: d?.trigger ?? atEnd,
      description: d?.description ?? metric,
      ...(hasThresholds
        ? {
            thresholds: {
              ...(d?.warn === undefined ? {} : { warn: d.warn }),
              ...(d?.critical === undefined ? {} : { critical: d.critical }),
              direction: d?.below === true ? ThresholdDirection.BELOW : ThresholdDirection.ABOVE,
              hysteresis: 0,
            },
          }
        : {}),
    });
  });
}

/** Fills defaults a blueprint may leave out: the unit of its metric. */
export function normalizeBlueprint(bp: Blueprint): Blueprint {
  const spec = METRICS[bp.metric];
  if (bp.unit === '' && spec !== undefined) return { ...bp, unit: spec.unit };
  return bp;
}

/** The trigger of a blueprint, for callers that want the union without the message wrapper. */
export type TriggerCase = Trigger['trigger'];

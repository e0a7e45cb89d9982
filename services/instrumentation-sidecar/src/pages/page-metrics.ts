/**
 * Readers of page metrics: values folded from events (timings, network
 * counters, URL transitions) and the two that ask the browser (DOM nodes via
 * `Memory.getDOMCounters`, JS heap via `Performance.getMetrics`). Both commands
 * leave no trace in the page. `undefined` means "nothing to report yet".
 */
import type { NavigationState, PageState } from './page-state.js';

/**
 * Metrics whose read sends the page a command (run on its main thread); interval
 * reads of these wait for a loading page's `load` (see the sampler).
 */
export const PAGE_COMMAND_METRICS: ReadonlySet<string> = new Set(['dom_nodes', 'js_heap_used']);

/** How long network readers wait for in-flight requests of the navigation to finish, in ms. */
export const NETWORK_SETTLE_MS = 500;

/** Options of {@link readPageMetric}. */
export type ReadOptions = {
  /** Timeout of a CDP command, ms. */
  readonly timeoutMs: number;
  /** Sleeps `ms` (the sidecar's clock). */
  readonly sleep: (ms: number) => Promise<void>;
};

/**
 * Timings that happen once per navigation. Page-event instruments report each
 * of them once, as soon as it is known (FCP, for instance, may follow `load`).
 */
export const ONCE_PER_NAVIGATION: ReadonlySet<string> = new Set(['ttfb', 'fcp', 'dom_content_loaded', 'load']);

/** The current value of a once-per-navigation timing, or undefined. */
export function navigationTiming(metric: string, page: PageState): number | undefined {
  const nav = page.nav;
  return { ttfb: nav.ttfbMs, fcp: nav.fcpMs, dom_content_loaded: nav.dclMs, load: nav.loadMs }[metric];
}

async function settled(nav: NavigationState, opts: ReadOptions): Promise<void> {
  for (let waited = 0; nav.inflight.size > 0 && waited < NETWORK_SETTLE_MS; waited += 25) await opts.sleep(25);
}

async function heapUsed(page: PageState, timeoutMs: number): Promise<number | undefined> {
  const { metrics } = await page.session.send('Performance.getMetrics', {}, { timeoutMs });
  return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value;
}

/**
 * Reads `metric` of `page`; navigation metrics come from `nav` (the page's
 * current navigation unless given). Rejects with the CdpError of a failed command.
 */
export async function readPageMetric(
  metric: string,
  page: PageState,
  opts: ReadOptions,
  nav: NavigationState = page.nav,
): Promise<number | undefined> {
  switch (metric) {
    case 'ttfb':
      return nav.ttfbMs;
    case 'fcp':
      return nav.fcpMs;
    case 'lcp':
      return nav.lcpMs;
    case 'cls':
      return nav.cls;
    case 'dom_content_loaded':
      return nav.dclMs;
    case 'load':
      return nav.loadMs;
    case 'requests':
      await settled(nav, opts);
      return nav.requests;
    case 'failed_requests':
      await settled(nav, opts);
      return nav.failed;
    case 'bytes':
      await settled(nav, opts);
      return nav.bytes;
    case 'connections':
      await settled(nav, opts);
      return nav.connections.size;
    case 'url_transitions':
      return page.urlTransitions;
    case 'dom_nodes':
      return (await page.session.send('Memory.getDOMCounters', {}, { timeoutMs: opts.timeoutMs })).nodes;
    case 'js_heap_used':
      return heapUsed(page, opts.timeoutMs);
    default:
      return undefined;
  }
}

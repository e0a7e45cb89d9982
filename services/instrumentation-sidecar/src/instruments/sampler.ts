/**
 * Dispatches trigger firings to instruments: page events (from the page
 * watchers), action phases (from MarkPhase) and intervals (one timer chain per
 * interval instrument, rebuilt whenever the registry changes, so a disabled
 * instrument stops at once). An interval read that talks to the page (DOM
 * counters, heap, detection) never competes with a page that is loading: it
 * runs at that page's `load` instead, or once the page has been loading for
 * {@link LOAD_WAIT_MAX_MS}.
 *
 * Attribution: a phase or interval sample belongs to the action running when
 * it is taken; a page-event sample (TTFB, FCP, LCP, load, network counters,
 * detections) belongs to the action during which its navigation started, by
 * the executor's phase-mark times, even when it is known only after that
 * action ended or before its START mark arrived (it then waits for the mark,
 * at most {@link MARK_WAIT_MS}).
 */
import { ActionPhase, PageEvent, type MarkPhaseRequest } from '@nightglow/contracts/instrumentation/v1';
import type { Clock, TimerHandle } from '@nightglow/runtime';
import { metricSpec } from '../blueprints/catalog.js';
import { judge, type DetectionCache } from '../pages/detections.js';
import { captureErrorSnapshot } from '../pages/error-snapshot.js';
import { navigationTiming, ONCE_PER_NAVIGATION, PAGE_COMMAND_METRICS, readPageMetric } from '../pages/page-metrics.js';
import type { NavigationState, PageState } from '../pages/page-state.js';
import type { Attribution, SessionMap } from '../pages/session-map.js';
import type { InstrumentEntry, InstrumentRegistry } from './registry.js';
import { drawn, takeSample, type SampleDeps, type SampleValue } from './take-sample.js';

/** How long after a page event a detection check waits for the page to stay put, ms. */
export const DETECTION_SETTLE_MS = 500;

/**
 * The longest a page-event measurement waits for the phase mark that tells
 * which action started its navigation (marks travel apart from the browser's
 * events, and a session's first one also opens a connection), ms.
 */
export const MARK_WAIT_MS = 1000;

/** The longest an interval read that talks to a loading page waits for its `load`, ms. */
export const LOAD_WAIT_MAX_MS = 3000;

/** The attached pages, as the sampler sees them. */
export type PageDirectory = { pages(): PageState[]; page(targetId: string): PageState | undefined };

/** Inputs of {@link createSampler}. */
export type SamplerDeps = SampleDeps & {
  readonly registry: InstrumentRegistry;
  readonly sessions: SessionMap;
  readonly pages: PageDirectory;
  readonly clock: Clock;
  readonly detections: DetectionCache;
  /** Timeout of each CDP command a sample sends, ms. */
  readonly commandTimeoutMs: number;
};

/** The dispatcher. */
export type Sampler = {
  onPageEvent(page: PageState, event: PageEvent): void;
  /** An action phase; `durationMs` is set for an END whose START was marked. */
  onPhase(req: MarkPhaseRequest, durationMs: number | undefined): void;
  /** (Re)starts the interval timers from the registry. */
  reschedule(): void;
  stop(): void;
  /** Resolves when every sample started so far is done. */
  idle(): Promise<void>;
};

/** Creates the dispatcher; call `reschedule()` once to start intervals. */
export function createSampler(deps: SamplerDeps): Sampler {
  const timers = new Map<string, TimerHandle>();
  const deferred = new Map<string, TimerHandle>();
  const running = new Set<Promise<unknown>>();
  /** targetId → interval instruments (by name) whose read waits for that page's load. */
  const afterLoad = new Map<string, Map<string, InstrumentEntry>>();
  let stopped = false;
  const opts = { timeoutMs: deps.commandTimeoutMs, sleep: (ms: number) => deps.clock.sleep(ms) };
  const run = (p: Promise<unknown>): void => {
    running.add(p);
    void p.finally(() => running.delete(p));
  };
  const enabled = (): InstrumentEntry[] => deps.registry.entries().filter((e) => e.enabled);
  const readPage = async (entry: InstrumentEntry, page: PageState, nav?: NavigationState): Promise<SampleValue> => {
    const signal = metricSpec(entry.blueprint.metric)?.signal;
    if (signal !== undefined) return judge(signal, await deps.detections.probe(page, deps.commandTimeoutMs));
    const value = await readPageMetric(entry.blueprint.metric, page, opts, nav);
    return value === undefined ? undefined : { value };
  };
  /** Resolvers of attributions waiting for a mark; `stop()` settles them. */
  const waiting = new Set<() => void>();
  const navigationWho = (page: PageState, nav: NavigationState): Attribution | Promise<Attribution> => {
    const contextId = page.browserContextId;
    const atMs = nav.startWall * 1000;
    if (stopped || !deps.sessions.awaitsMark(contextId, atMs)) return deps.sessions.attributionAt(contextId, atMs);
    return new Promise((resolve) => {
      const done = (): void => {
        waiting.delete(done);
        off();
        timer.cancel();
        resolve(deps.sessions.attributionAt(contextId, atMs));
      };
      const off = deps.sessions.onMark(() => {
        if (!deps.sessions.awaitsMark(contextId, atMs)) done();
      });
      const timer = deps.clock.setTimeout(done, MARK_WAIT_MS);
      waiting.add(done);
    });
  };
  /** A page-event sample: read now, attributed to the action that started the page's navigation. */
  const sampleNavigation = (entry: InstrumentEntry, page: PageState): void => {
    if (!drawn(entry, deps)) return;
    const nav = page.nav;
    const url = nav.url || page.url;
    const read = readPage(entry, page, nav);
    read.catch(() => undefined); // handled by takeSample below
    const who = navigationWho(page, nav);
    const target = (w: Attribution): { targetId: string; url: string; who: Attribution } => ({
      targetId: page.targetId,
      url,
      who: w,
    });
    if (!(who instanceof Promise)) return run(takeSample(entry, target(who), () => read, deps));
    run(who.then((w) => takeSample(entry, target(w), () => read, deps)));
  };
  const samplePage = (entry: InstrumentEntry, page: PageState, who?: Attribution): void => {
    if (!drawn(entry, deps)) return;
    const target = {
      targetId: page.targetId,
      url: page.nav.url || page.url,
      who: who ?? deps.sessions.attribution(page.browserContextId),
    };
    run(takeSample(entry, target, () => readPage(entry, page), deps));
  };
  const phaseValue = (entry: InstrumentEntry, req: MarkPhaseRequest, durationMs: number | undefined): SampleValue => {
    const b = req.behavior;
    switch (entry.blueprint.metric) {
      case 'action_duration':
        return durationMs === undefined ? undefined : { value: durationMs };
      case 'mouse_path_length':
        return b === undefined || b.mouseMoveCount === 0 ? undefined : { value: b.mousePathLengthPx };
      case 'typing_cadence':
        return b === undefined || b.keystrokeCount < 2 ? undefined : { value: b.typingIntervalMeanMs };
      default:
        return undefined;
    }
  };
  const sessionPages = (req: MarkPhaseRequest): PageState[] => {
    const own = deps.pages
      .pages()
      .filter((p) => deps.sessions.forContext(p.browserContextId)?.sessionId === req.sessionId);
    const named = own.find((p) => p.targetId === req.targetId);
    return named !== undefined ? [named] : own;
  };
  const onPhaseEntry = (
    entry: InstrumentEntry,
    req: MarkPhaseRequest,
    durationMs: number | undefined,
    who: Attribution,
  ): void => {
    const source = metricSpec(entry.blueprint.metric)?.source;
    const pages = sessionPages(req);
    const first = pages[0];
    if (source === 'phase') {
      if (!drawn(entry, deps)) return;
      const target = { targetId: first?.targetId ?? req.targetId, url: first?.url ?? '', who };
      run(takeSample(entry, target, () => Promise.resolve(phaseValue(entry, req, durationMs)), deps));
    } else if (source === 'composite') {
      if (req.ok || first === undefined || !drawn(entry, deps)) return;
      const target = { targetId: first.targetId, url: first.url, who };
      const snap = async (): Promise<SampleValue> => {
        const s = await captureErrorSnapshot(first, req, { timeoutMs: deps.commandTimeoutMs, now: deps.clock.now });
        deps.publisher.errorSnapshot(s, who);
        return { value: s.recentFailedRequests.length };
      };
      run(takeSample(entry, target, snap, deps));
    } else {
      for (const page of pages) samplePage(entry, page, who);
    }
  };
  // page-event detection checks wait until the page has been quiet for a moment, so the isolated-world read
  // never competes with the page's own loading; a page that navigates away first is checked on its next load
  const deferDetection = (entry: InstrumentEntry, page: PageState): void => {
    const loaderId = page.nav.loaderId;
    const key = `${entry.blueprint.name}\u0000${page.targetId}`;
    deferred.get(key)?.cancel(); // a newer event restarts the wait
    deferred.set(
      key,
      deps.clock.setTimeout(() => {
        deferred.delete(key);
        if (!stopped && entry.enabled && page.nav.loaderId === loaderId && deps.pages.page(page.targetId) === page)
          sampleNavigation(entry, page);
      }, DETECTION_SETTLE_MS),
    );
  };
  const talksToPage = (metric: string): boolean =>
    PAGE_COMMAND_METRICS.has(metric) || metricSpec(metric)?.source === 'detection';
  const intervalSample = (entry: InstrumentEntry, page: PageState): void => {
    const since = page.loadingSinceMs;
    const waiting = afterLoad.get(page.targetId);
    if (since !== undefined && deps.clock.now() - since < LOAD_WAIT_MAX_MS && talksToPage(entry.blueprint.metric)) {
      if (waiting === undefined) afterLoad.set(page.targetId, new Map([[entry.blueprint.name, entry]]));
      else waiting.set(entry.blueprint.name, entry); // one waiting read per instrument and page
      return;
    }
    waiting?.delete(entry.blueprint.name);
    samplePage(entry, page);
  };
  const runAfterLoad = (page: PageState): void => {
    const waiting = afterLoad.get(page.targetId);
    if (waiting === undefined) return;
    afterLoad.delete(page.targetId);
    for (const [name, entry] of waiting)
      if (entry.enabled && deps.registry.entry(name) === entry) samplePage(entry, page);
  };
  const tick = (name: string, everyMs: number): void => {
    const entry = deps.registry.entry(name);
    if (stopped || entry === undefined || !entry.enabled) return;
    const pages = deps.pages.pages();
    for (const targetId of afterLoad.keys())
      if (!pages.some((p) => p.targetId === targetId)) afterLoad.delete(targetId); // closed while loading
    for (const page of pages) intervalSample(entry, page);
    timers.set(
      name,
      deps.clock.setTimeout(() => tick(name, everyMs), everyMs),
    );
  };
  return {
    onPageEvent(page, event) {
      if (event === PageEvent.LOAD && !stopped) runAfterLoad(page);
      for (const entry of enabled()) {
        const t = entry.blueprint.trigger?.trigger;
        if (t?.case !== 'pageEvent' || t.value !== event) continue;
        const { name, metric } = entry.blueprint;
        if (ONCE_PER_NAVIGATION.has(metric)) {
          if (page.nav.reported.has(name) || navigationTiming(metric, page) === undefined) continue;
          page.nav.reported.add(name);
        }
        if (metricSpec(metric)?.source === 'detection') deferDetection(entry, page);
        else sampleNavigation(entry, page);
      }
    },
    onPhase(req, durationMs) {
      const binding = deps.sessions.get(req.sessionId);
      if (binding === undefined) return; // unknown session: accepted and ignored
      const who = {
        sessionId: req.sessionId,
        taskId: req.taskId,
        actionId: req.actionId,
        pool: binding.pool,
        labels: binding.labels,
      };
      for (const entry of enabled()) {
        const t = entry.blueprint.trigger?.trigger;
        if (t?.case === 'actionPhase' && t.value === req.phase && req.phase !== ActionPhase.UNSPECIFIED)
          onPhaseEntry(entry, req, durationMs, who);
      }
    },
    reschedule() {
      timers.forEach((t) => t.cancel());
      timers.clear();
      if (stopped) return;
      for (const entry of enabled()) {
        const t = entry.blueprint.trigger?.trigger;
        if (t?.case !== 'interval') continue;
        const everyMs = Math.max(100, Number(t.value.seconds) * 1000 + t.value.nanos / 1e6);
        timers.set(
          entry.blueprint.name,
          deps.clock.setTimeout(() => tick(entry.blueprint.name, everyMs), everyMs),
        );
      }
    },
    stop() {
      stopped = true;
      timers.forEach((t) => t.cancel());
      timers.clear();
      deferred.forEach((t) => t.cancel());
      deferred.clear();
      [...waiting].forEach((done) => done());
      afterLoad.clear();
    },
    async idle() {
      while (running.size > 0) await Promise.all([...running]);
    },
  };
}

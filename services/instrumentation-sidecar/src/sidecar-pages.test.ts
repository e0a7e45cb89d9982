import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { flush } from '@nightglow/cdp/testing';
import { ActionPhase, InstrumentStatus, type Measurement } from '@nightglow/contracts/instrumentation/v1';
import { afterEach, describe, expect, it } from 'vitest';
import { DETECTION_SETTLE_MS, LOAD_WAIT_MAX_MS, MARK_WAIT_MS } from './instruments/sampler.js';
import { FIRST_MARK_WINDOW_MS } from './pages/session-map.js';
import type { Sidecar } from './sidecar.js';
import { emitPageLoad } from './testing/fake-page.js';
import { startUnitSidecar } from './testing/unit-sidecar.js';

const handlerCtx = {} as never;

const setup = startUnitSidecar;

const values = (ms: readonly Measurement[], metric: string): number[] =>
  ms.filter((m) => m.metric === metric).map((m) => m.value);

let running: Sidecar | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

describe('sidecar on a fake browser: pages, phases, intervals', () => {
  it('measures a page load and attributes it to the session and running action', async () => {
    const t = await setup();
    running = t.sidecar;
    await t.rpc.attachSession(
      { sessionId: 'sess-1', browserContextId: 'C1', pool: 'pool-b', taskId: 'task-1', labels: { team: 'a' } } as never,
      handlerCtx,
    );
    await t.rpc.markPhase(
      {
        sessionId: 'sess-1',
        taskId: 'task-1',
        actionId: 'task-1/0',
        phase: ActionPhase.START,
        time: timestampFromMs(1000),
      } as never,
      handlerCtx,
    );
    emitPageLoad(t.fake.browser);
    await t.settle();
    t.clock.advance(DETECTION_SETTLE_MS); // detection checks wait for the page to stay put
    await t.settle();
    const ms = t.bus.of('measurements').map((e) => e.payload.value as Measurement);
    expect(values(ms, 'ttfb')).toEqual([250]);
    expect(values(ms, 'fcp')).toEqual([400]);
    expect(values(ms, 'load')).toEqual([900]);
    expect(values(ms, 'dom_content_loaded')).toEqual([700]);
    expect(values(ms, 'requests')).toEqual([2]);
    expect(values(ms, 'failed_requests')).toEqual([1]);
    expect(values(ms, 'bytes')).toEqual([5100]);
    expect(values(ms, 'connections')).toEqual([2]);
    expect(values(ms, 'url_transitions')).toEqual([1]);
    expect(values(ms, 'lcp').at(-1)).toBeCloseTo(600, 3);
    expect(values(ms, 'cls').at(-1)).toBeCloseTo(0.2, 6);
    const ttfb = t.bus
      .of('measurements')
      .find((e) => e.type === 'measurement.recorded' && (e.payload.value as Measurement).metric === 'ttfb');
    expect(ttfb).toMatchObject({ sessionId: 'sess-1', taskId: 'task-1', actionId: 'task-1/0', pool: 'pool-b' });
    expect(ttfb?.payload.value).toMatchObject({ targetId: 'T1', url: 'http://127.0.0.1/page', labels: { team: 'a' } });
    // detections through the isolated world: every signal published, with the verdict
    const detections = t.bus
      .of('detections')
      .map((e) => e.payload.value as { signal: number; detected: boolean; observed: string });
    expect(detections.map((d) => [d.signal, d.detected]).sort()).toEqual([
      [1, true],
      [2, true],
      [3, true],
      [4, true],
      [5, true],
    ]);
    // alerts: the 404 crossed failed_requests warn, the CLS of 0.2 crossed warn, webdriver/headless/permissions warned
    const alerts = t.bus.of('alerts').map((e) => e.type + ':' + (e.payload.value as { instrument: string }).instrument);
    expect(alerts).toContain('alert.firing:network.failed_requests');
    expect(alerts).toContain('alert.firing:timing.cls');
    // zero footprint: domains enabled, Runtime never
    const methods = t.fake.browser.log();
    expect(methods).toContain('PerformanceTimeline.enable@S1');
    expect(
      methods.filter(
        (m) => m.startsWith('Runtime.') && !m.startsWith('Runtime.evaluate') && !m.startsWith('Runtime.runIf'),
      ),
    ).toEqual([]);
  });

  it('publishes action duration, behaviour and an error snapshot at action END', async () => {
    const t = await setup();
    running = t.sidecar;
    await t.rpc.attachSession(
      { sessionId: 'sess-1', browserContextId: 'C1', pool: '', taskId: '', labels: {} } as never,
      handlerCtx,
    );
    emitPageLoad(t.fake.browser);
    await flush();
    t.clock.advance(DETECTION_SETTLE_MS); // the load's detection checks start
    await flush();
    t.clock.advance(MARK_WAIT_MS); // no mark came: the load's measurements go out with the session only
    await t.settle();
    t.bus.sent.length = 0;
    await t.rpc.markPhase(
      {
        sessionId: 'sess-1',
        taskId: 'tk',
        actionId: 'tk/3',
        actionIndex: 3,
        phase: ActionPhase.START,
        time: timestampFromMs(10_000),
      } as never,
      handlerCtx,
    );
    await t.rpc.markPhase(
      {
        sessionId: 'sess-1',
        taskId: 'tk',
        actionId: 'tk/3',
        actionIndex: 3,
        actionName: 'submit',
        phase: ActionPhase.END,
        ok: false,
        error: 'selector not found',
        behavior: {
          mousePathLengthPx: 812.5,
          mouseMoveCount: 40,
          keystrokeCount: 10,
          typingIntervalMeanMs: 120,
          typingIntervalStddevMs: 30,
        },
        time: timestampFromMs(12_345),
      } as never,
      handlerCtx,
    );
    await t.settle();
    const ms = t.bus.of('measurements').map((e) => e.payload.value as Measurement);
    expect(values(ms, 'action_duration')).toEqual([2345]);
    expect(values(ms, 'mouse_path_length')).toEqual([812.5]);
    expect(values(ms, 'typing_cadence')).toEqual([120]);
    expect(ms.every((m) => m.actionId === 'tk/3' && m.pool === 'pool-a')).toBe(true);
    const [snap] = t.bus.of('actions');
    expect(snap?.type).toBe('action.error_snapshot');
    expect(snap?.actionId).toBe('tk/3');
    expect(snap?.payload.value).toMatchObject({
      page: { url: 'http://127.0.0.1/page', title: 'Broken page' },
      errorMessage: 'selector not found',
      actionIndex: 3,
    });
    const s = snap?.payload.case === 'errorSnapshot' ? snap.payload.value : undefined;
    expect(s?.recentFailedRequests.map((f) => f.statusCode)).toEqual([404]);
    expect(Buffer.from(s?.screenshot?.data ?? []).toString()).toBe('png-bytes');
  });

  it('samples interval instruments, and a disabled one stops at once', async () => {
    const t = await setup();
    running = t.sidecar;
    t.clock.advance(5000);
    await t.settle();
    expect(
      values(
        t.bus.of('measurements').map((e) => e.payload.value as Measurement),
        'dom_nodes',
      ),
    ).toEqual([1234]);
    await t.rpc.setInstrumentEnabled({ name: 'state.dom_nodes', enabled: false } as never, handlerCtx);
    t.bus.sent.length = 0;
    t.clock.advance(20_000);
    await t.settle();
    expect(
      values(
        t.bus.of('measurements').map((e) => e.payload.value as Measurement),
        'dom_nodes',
      ),
    ).toEqual([]);
    expect(
      values(
        t.bus.of('measurements').map((e) => e.payload.value as Measurement),
        'js_heap_used',
      ),
    ).toEqual([5e6, 5e6, 5e6, 5e6]);
    expect(t.sidecar.registry.get('state.dom_nodes').status).toBe(InstrumentStatus.DISABLED);
  });

  it('holds interval reads that talk to a loading page until its load (or LOAD_WAIT_MAX_MS); event-fold reads go on', async () => {
    const t = await setup();
    running = t.sidecar;
    const commands = (): number => t.fake.browser.log().filter((m) => m.startsWith('Memory.getDOMCounters')).length;
    const measured = (metric: string): number[] =>
      values(
        t.bus.of('measurements').map((e) => e.payload.value as Measurement),
        metric,
      );
    t.clock.advance(4000);
    t.fake.browser.emit('Page.frameStartedLoading', { frameId: 'T1' }, 'S1');
    await flush();
    t.clock.advance(1000); // dom_nodes and js_heap_used are due; the page has been loading for 1 s
    await t.settle();
    expect(commands()).toBe(0);
    expect(measured('dom_nodes')).toEqual([]);
    emitPageLoad(t.fake.browser); // its load event runs the held reads, once each
    await t.settle();
    expect(commands()).toBe(1);
    expect(measured('dom_nodes')).toEqual([1234]);
    expect(measured('js_heap_used')).toEqual([5e6]);
    expect(measured('ttfb')).toEqual([250]); // folded from events, never held

    // a page that keeps loading is read anyway once it has been loading for LOAD_WAIT_MAX_MS
    expect(LOAD_WAIT_MAX_MS).toBeLessThan(4000);
    t.clock.advance(1000);
    t.fake.browser.emit('Page.frameStartedLoading', { frameId: 'T1' }, 'S1');
    await flush();
    t.clock.advance(4000); // the next tick: loading for 4 s
    await t.settle();
    expect(commands()).toBe(2);
    expect(measured('dom_nodes')).toEqual([1234, 1234]);
  });
});

describe('sidecar on a fake browser: which action a navigation belongs to', () => {
  const WALL_MS = 1_700_000_000_000; // emitPageLoad's navigation starts at this wall time
  const mark = (
    t: Awaited<ReturnType<typeof setup>>,
    index: number,
    phase: ActionPhase,
    atMs: number,
  ): Promise<unknown> =>
    Promise.resolve(
      t.rpc.markPhase(
        {
          sessionId: 'sess-1',
          taskId: 'tk',
          actionId: `tk/${index}`,
          actionIndex: index,
          phase,
          ok: true,
          time: timestampFromMs(atMs),
        } as never,
        handlerCtx,
      ),
    );
  const attach = (t: Awaited<ReturnType<typeof setup>>): Promise<unknown> =>
    Promise.resolve(
      t.rpc.attachSession(
        { sessionId: 'sess-1', browserContextId: 'C1', pool: '', taskId: '', labels: {} } as never,
        handlerCtx,
      ),
    );
  const byMetric = (t: Awaited<ReturnType<typeof setup>>): Map<string, string[]> => {
    const out = new Map<string, string[]>();
    for (const e of t.bus.of('measurements')) {
      const m = e.payload.value as Measurement;
      out.set(m.metric, [...(out.get(m.metric) ?? []), m.actionId]);
    }
    return out;
  };

  it('holds a navigation whose START mark has not arrived yet, then gives it to that action', async () => {
    const t = await setup();
    running = t.sidecar;
    await attach(t);
    emitPageLoad(t.fake.browser); // the browser's events outrun the mark of the action that navigated
    await flush();
    expect(t.bus.of('measurements')).toEqual([]); // held: a mark may still come
    await mark(t, 0, ActionPhase.START, WALL_MS - 5); // stamped before the navigation started
    await t.settle();
    const got = byMetric(t);
    for (const metric of ['ttfb', 'fcp', 'lcp', 'cls', 'dom_content_loaded', 'load', 'requests', 'bytes'])
      expect(got.get(metric), metric).toEqual(expect.arrayContaining(['tk/0']));
    expect([...got.values()].flat().every((id) => id === 'tk/0')).toBe(true);
  });

  it('gives timings that arrive after the action ended to the action that started the navigation', async () => {
    const t = await setup();
    running = t.sidecar;
    await attach(t);
    await mark(t, 0, ActionPhase.START, WALL_MS - 50);
    await mark(t, 0, ActionPhase.END, WALL_MS + 100); // navigate ended before FCP and LCP were known
    await mark(t, 1, ActionPhase.START, WALL_MS + 101);
    emitPageLoad(t.fake.browser);
    await t.settle();
    const got = byMetric(t);
    for (const metric of ['fcp', 'lcp', 'cls', 'load'])
      expect(new Set(got.get(metric)), metric).toEqual(new Set(['tk/0']));
  });

  it('a navigation started in a gap waits for the next mark and stays with the action before it', async () => {
    const t = await setup();
    running = t.sidecar;
    await attach(t);
    await mark(t, 0, ActionPhase.START, WALL_MS - 500);
    await mark(t, 0, ActionPhase.END, WALL_MS - 200); // a click; its navigation starts 200 ms later
    emitPageLoad(t.fake.browser);
    await flush();
    expect(t.bus.of('measurements')).toEqual([]);
    await mark(t, 1, ActionPhase.START, WALL_MS + 300); // the next action started after the navigation
    await t.settle();
    expect(byMetric(t).get('ttfb')).toEqual(['tk/0']);
  });

  it('publishes with the session only when no mark comes, and does not hold a session never marked', async () => {
    const t = await setup();
    running = t.sidecar;
    await attach(t);
    emitPageLoad(t.fake.browser);
    await flush();
    t.clock.advance(DETECTION_SETTLE_MS); // the load's detection checks start (and wait too)
    await flush();
    t.clock.advance(MARK_WAIT_MS);
    await t.settle();
    const first = t.bus.of('measurements').filter((e) => (e.payload.value as Measurement).metric === 'ttfb');
    expect(first.map((e) => [e.sessionId, e.actionId])).toEqual([['sess-1', '']]);

    // a session driven only through the CDP proxy: after FIRST_MARK_WINDOW_MS nothing waits for marks
    t.bus.sent.length = 0;
    t.clock.advance(FIRST_MARK_WINDOW_MS);
    emitPageLoad(t.fake.browser, 'http://127.0.0.1/again', 'L3');
    await t.settle();
    expect(byMetric(t).get('fcp')).toEqual(['']);
  });
});

import { silentLogger, createMemoryBus } from '@nightglow/bus';
import { connectBrowser } from '@nightglow/cdp';
import { create } from '@bufbuild/protobuf';
import { durationFromMs } from '@bufbuild/protobuf/wkt';
import {
  ActionPhase,
  BlueprintSchema,
  InstrumentKind,
  MarkPhaseRequestSchema,
} from '@nightglow/contracts/instrumentation/v1';
import { systemClock } from '@nightglow/runtime';
import { launchChromium, type ChromiumBrowser } from '@nightglow/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInstrumentationHandlers } from './rpc/handlers.js';
import { createSidecar, type Sidecar } from './sidecar.js';
import { connectDriver, eventually, type Driver, type DriverPage } from './testing/driver.js';
import { startFixtureSite, type FixtureSite } from './testing/fixture-site.js';

/** The probe's verdict after at least `ticks` more ticks than now. */
async function verdictAfter(page: DriverPage, ticks: number): Promise<string> {
  const read = async (): Promise<{ verdict: string; ticks: number }> => {
    const m = /^probe:(.+):(\d+)$/.exec(await page.title());
    return m === null ? { verdict: 'pending', ticks: 0 } : { verdict: m[1] ?? '', ticks: Number(m[2]) };
  };
  const start = (await read()).ticks;
  return eventually(`${ticks} probe ticks`, async () => {
    const now = await read();
    return now.ticks >= start + ticks ? now.verdict : undefined;
  });
}

describe('zero footprint: bot-detection probes see the same page with and without the sidecar', () => {
  let chromium: ChromiumBrowser;
  let site: FixtureSite;
  let driver: Driver;
  let sidecar: Sidecar | undefined;

  beforeAll(async () => {
    site = await startFixtureSite();
    chromium = await launchChromium();
    driver = await connectDriver(chromium.wsEndpoint);
  });
  afterAll(async () => {
    await sidecar?.stop();
    await driver?.close();
    await chromium?.stop();
    await site?.close();
    expect(() => process.kill(chromium.pid, 0)).toThrow(); // no Chromium left
  });

  /** Loads the probe in a fresh context, lets it tick, runs `during` (the sidecar's work) and returns the report. */
  async function probeRun(during: (page: DriverPage) => Promise<void>): Promise<string> {
    const page = await driver.newPage(await driver.newContext());
    await page.goto(`${site.origin}/probe`);
    await verdictAfter(page, 5);
    await during(page);
    return verdictAfter(page, 10);
  }

  const UNDER_TEST = [
    'fast.dom_nodes',
    'fast.webdriver',
    'fast.webgl_renderer',
    'composite.error_snapshot',
    'timing.load',
  ];

  it('reports identically without the sidecar, with it sampling everything, and fires in the Runtime.enable control', async () => {
    const without = await probeRun(async () => undefined);

    const bus = createMemoryBus();
    sidecar = createSidecar({
      bus,
      connect: () => connectBrowser(chromium.wsEndpoint),
      clock: systemClock,
      blueprints: { origin: 'none', load: () => Promise.resolve(undefined) },
      logger: silentLogger,
      sidecarId: 'zf',
      pool: 'zf',
    });
    await sidecar.start();
    await sidecar.browser.ready();
    // every interval instrument at 200 ms, so the sidecar reads the page all the time
    for (const metric of ['dom_nodes', 'js_heap_used']) {
      sidecar.registry.upsert(
        create(BlueprintSchema, {
          name: `fast.${metric}`,
          kind: InstrumentKind.STATE,
          metric,
          trigger: { trigger: { case: 'interval', value: durationFromMs(200) } },
        }),
      );
    }
    for (const metric of ['webdriver', 'plugin_count', 'webgl_renderer', 'permissions', 'headless_user_agent']) {
      sidecar.registry.upsert(
        create(BlueprintSchema, {
          name: `fast.${metric}`,
          kind: InstrumentKind.DETECTION,
          metric,
          trigger: { trigger: { case: 'interval', value: durationFromMs(200) } },
        }),
      );
    }
    const rpc = createInstrumentationHandlers(sidecar, systemClock);
    const s = sidecar;
    const withSidecar = await probeRun(async (page) => {
      const info = await eventually('the sidecar to hold the probe page', () => s.browser.page(page.targetId));
      await rpc.attachSession(
        { sessionId: 'zf-1', browserContextId: info.browserContextId, pool: 'zf', taskId: 't', labels: {} } as never,
        {} as never,
      );
      // a failed action: error snapshot (isolated-world title read + screenshot)
      const mark = (phase: ActionPhase, ok: boolean): unknown =>
        rpc.markPhase(
          create(MarkPhaseRequestSchema, {
            sessionId: 'zf-1',
            taskId: 't',
            actionId: 't/0',
            phase,
            ok,
            error: ok ? '' : 'boom',
          }),
          {} as never,
        );
      mark(ActionPhase.START, true);
      mark(ActionPhase.END, false);
      await page.goto(`${site.origin}/probe?again`); // page-event instruments (load, detections) on the probe page
      await eventually(
        'detection samples on the probe page',
        () => (s.registry.entry('fast.webdriver')?.samples ?? 0) >= 10 || undefined,
      );
      // the error snapshot's screenshot can wait for the next page's first frame (up to the 5 s command
      // timeout on a busy machine): the probe keeps running until every instrument under test has sampled
      await eventually(
        'a sample from every instrument under test',
        () => UNDER_TEST.every((name) => (s.registry.entry(name)?.samples ?? 0) > 0) || undefined,
      );
    });
    const taken = sidecar.registry
      .entries()
      .filter((e) => e.samples > 0)
      .map((e) => e.blueprint.name);
    expect(taken).toEqual(expect.arrayContaining(UNDER_TEST));

    // control: Runtime.enable (what the sidecar never sends) makes the probe fire, so this test can fail
    const control = await probeRun(async (page) => {
      await page.session.send('Runtime.enable');
    });

    expect(without).toBe('clean');
    expect(withSidecar).toBe(without);
    expect(control).toContain('pst-get');
  });
});

/**
 * Benchmark `sidecar-cdp-floor`: what Chromium itself charges a page for being
 * instrumented, without the sidecar. A bare CDP client auto-attaches to the
 * page (as the sidecar does) and enables some domains, then does nothing with
 * their events; page loads of the `/resources` fixture alternate with those of
 * an identical Chromium without any client (as in the `sidecar` benchmark's
 * figure 1: a 150 ms pause after every load). Three client set-ups:
 *
 * - attached, nothing enabled (the floor of attaching at all);
 * - `Network.enable` only (the sidecar's network instruments need it);
 * - the sidecar's whole set: Page + lifecycle events, Network, Performance,
 *   PerformanceTimeline (LCP, layout shifts).
 *
 * Each reports the median load time against no client and the CPU of every
 * Chromium process per load. If the Network domain alone costs the page more
 * than the sidecar's 3 % target, that target cannot be met by any sidecar that
 * measures requests over CDP.
 */
import { connectBrowser, startAutoAttach, type CdpSession } from '@nightglow/cdp';
import { connectDriver, startFixtureSite, type DriverPage } from '@nightglow/instrumentation-sidecar/testing';
import { launchChromium, type ChromiumBrowser } from '@nightglow/testenv';
import { report, type Figure } from './report.js';
import { groupTicks } from './sidecar-page-load.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** The domains each set-up enables on every page it attaches. */
const SETUPS: Record<string, (s: CdpSession) => Promise<unknown>[]> = {
  'attached, nothing enabled': () => [],
  'Network.enable only': (s) => [s.send('Network.enable', { maxTotalBufferSize: 0, maxResourceBufferSize: 0 })],
  "the sidecar's domains (Page + lifecycle, Network, Performance, PerformanceTimeline)": (s) => [
    s.send('Page.enable', {}),
    s.send('Page.setLifecycleEventsEnabled', { enabled: true }),
    s.send('Network.enable', { maxTotalBufferSize: 0, maxResourceBufferSize: 0 }),
    s.send('Performance.enable', {}),
    s.send('PerformanceTimeline.enable', { eventTypes: ['largest-contentful-paint', 'layout-shift'] }),
  ],
};

type Arm = { browser: ChromiumBrowser; page: DriverPage; ms: number[]; ticks: number };

/** Loads alternating between the two arms (order flipped every load); each arm's times and CPU ticks. */
async function alternate(arms: [Arm, Arm], url: string, loads: number): Promise<void> {
  let seq = 0;
  const load = async (arm: Arm): Promise<void> => {
    const t0 = groupTicks(arm.browser.pid);
    const start = performance.now();
    await arm.page.goto(`${url}?i=${seq++}`);
    arm.ms.push(performance.now() - start);
    await sleep(150);
    arm.ticks += groupTicks(arm.browser.pid) - t0;
  };
  for (let i = 0; i < loads; i++) for (const arm of i % 2 === 0 ? arms : [arms[1], arms[0]]) await load(arm);
}

/** Runs the benchmark with `loads` loads per arm and set-up; always reports (every figure is a reference). */
export async function sidecarCdpFloorBench(loads = 100): Promise<boolean> {
  const site = await startFixtureSite();
  const figures: Figure[] = [];
  try {
    for (const [name, enable] of Object.entries(SETUPS)) {
      const browsers = await Promise.all([launchChromium(), launchChromium()]);
      const drivers = await Promise.all(browsers.map((b) => connectDriver(b.wsEndpoint)));
      const client = await connectBrowser(browsers[0].wsEndpoint);
      try {
        await startAutoAttach(client, {
          onAttached: async (_info, session) => void (await Promise.all(enable(session))),
          onDetached: () => undefined,
          onError: () => undefined,
          setupTimeoutMs: 5000,
          resume: 'pipelined',
        });
        const [withPage, withoutPage] = await Promise.all(drivers.map((d) => d.newPage()));
        const arms: [Arm, Arm] = [
          { browser: browsers[0], page: withPage!, ms: [], ticks: 0 },
          { browser: browsers[1], page: withoutPage!, ms: [], ticks: 0 },
        ];
        await alternate(arms, `${site.origin}/resources`, 10); // warm-up
        arms.forEach((a) => ((a.ms = []), (a.ticks = 0)));
        await alternate(arms, `${site.origin}/resources`, loads);
        const [w, wo] = arms;
        figures.push(
          {
            metric: `median page load (/resources, ${loads} loads), bare CDP client: ${name}`,
            unit: 'ms',
            ours: median(w.ms),
            baseline: median(wo.ms),
            target: 'reported',
            higherIsBetter: false,
          },
          {
            metric: `Chromium CPU per load (every process), bare CDP client: ${name}`,
            unit: 'ticks',
            ours: w.ticks / loads,
            baseline: wo.ticks / loads,
            target: 'reported',
            higherIsBetter: false,
          },
        );
      } finally {
        await client.close();
        await Promise.all(drivers.map((d) => d.close()));
        await Promise.all(browsers.map((b) => b.stop()));
      }
    }
  } finally {
    await site.close();
  }
  return report('sidecar-cdp-floor', figures);
}

/**
 * The page-load part of the `sidecar` benchmark: what the instrumentation
 * sidecar costs a page while it loads, side by side in one run.
 *
 * Two identical Chromiums, one with a warm sidecar process attached (Kafka bus,
 * the benchmark's blueprints), one without; loads alternate between them
 * (with/without, then without/with), so both arms see the same machine load.
 * Halfway the sidecar moves to the other browser, cancelling any difference
 * between the two browser instances. Three figures, each a median:
 *
 * 1. navigate → `load` of the `/resources` fixture (document + 4 stylesheets),
 *    every load starting from a quiet browser (a pause after each load in both
 *    arms): the cost to the page itself. The sidecar's work after a load
 *    (publishing its measurements) is the CPU figure's, not the next page's.
 * 2. the same loads back to back, in blocks of 5 per arm: the page plus any
 *    contention from the sidecar's work on the previous load.
 * 3. a new tab + navigate → `load`: includes the sidecar's per-target setup
 *    while auto-attach holds the new page.
 *
 * Wall time on a loaded machine is noisy; the CPU the quiet loads cost (every
 * Chromium process, with and without; the sidecar process) is reported too,
 * from /proc clock ticks read around each load and its pause.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { ChromiumBrowser } from '@nightglow/testenv';
import { launchChromium } from '@nightglow/testenv';
import { connectDriver, type Driver, type DriverPage } from '@nightglow/instrumentation-sidecar/testing';

/** Page-load times in ms, with and without the sidecar. */
export type PageLoadTimes = { readonly with: number[]; readonly without: number[] };

/** The three comparisons (see the module comment) and the CPU the quiet loads cost, ms per load. */
export type PageLoadResult = {
  readonly quiet: PageLoadTimes;
  readonly backToBack: PageLoadTimes;
  readonly newTab: PageLoadTimes;
  /** CPU of every process of the browser per quiet load (clock ticks around each load), with and without. */
  readonly browserCpuMs: { readonly with: number; readonly without: number };
  /** CPU of the sidecar process per quiet load of its browser. */
  readonly sidecarCpuMs: number;
};

/** How the benchmark starts and stops a sidecar process on a browser's CDP endpoint. */
export type SidecarStarter = (cdpUrl: string) => Promise<{ readonly pid: number; stop(): Promise<unknown> }>;

/** The pause after every load of figure 1, ms. */
export const QUIET_PAUSE_MS = 150;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** utime + stime of one process, in clock ticks (0 once it is gone). */
function ticksOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** CPU ticks of every live process in process group `pgid` (a launched Chromium is its own group). */
export function groupTicks(pgid: number): number {
  let sum = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) sum += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile
    }
  }
  return sum;
}

type Arm = { browser: ChromiumBrowser; driver: Driver; page: DriverPage };

async function openArm(): Promise<Arm> {
  const browser = await launchChromium();
  const driver = await connectDriver(browser.wsEndpoint);
  return { browser, driver, page: await driver.newPage() };
}

let seq = 0;
async function timedLoad(arm: Arm, url: string): Promise<number> {
  const t0 = performance.now();
  await arm.page.goto(`${url}?i=${Date.now()}-${seq++}`);
  return performance.now() - t0;
}

async function timedNewTab(arm: Arm, url: string): Promise<number> {
  const t0 = performance.now();
  const page = await arm.driver.newPage();
  await page.goto(`${url}?i=${Date.now()}-${seq++}`);
  const ms = performance.now() - t0;
  await page.close();
  return ms;
}

/**
 * Runs the three comparisons on `url` with `loads` loads per arm and figure
 * (`newTabs` for figure 3), starting the sidecar through `start`.
 */
export async function measurePageLoads(opts: {
  readonly url: string;
  readonly loads: number;
  readonly newTabs: number;
  readonly start: SidecarStarter;
  /** Clock ticks per second (`getconf CLK_TCK`). */
  readonly hz: number;
}): Promise<PageLoadResult> {
  const arms = await Promise.all([openArm(), openArm()]);
  const quiet: PageLoadTimes = { with: [], without: [] };
  const backToBack: PageLoadTimes = { with: [], without: [] };
  const newTab: PageLoadTimes = { with: [], without: [] };
  const ticks = { with: 0, without: 0, sidecar: 0 };
  try {
    for (const arm of arms) for (let i = 0; i < 10; i++) await timedLoad(arm, opts.url); // warm-up
    for (const half of [0, 1]) {
      const [withArm, withoutArm] = half === 0 ? [arms[0]!, arms[1]!] : [arms[1]!, arms[0]!];
      const sidecar = await opts.start(`http://${new URL(withArm.browser.wsEndpoint).host}`);
      try {
        for (let i = 0; i < 10; i++) await timedLoad(withArm, opts.url); // the sidecar warms up
        const share = (n: number): number => (half === 0 ? Math.ceil(n / 2) : Math.floor(n / 2));
        for (let i = 0; i < share(opts.loads); i++) {
          const order = i % 2 === 0 ? [true, false] : [false, true];
          for (const withSidecar of order) {
            const arm = withSidecar ? withArm : withoutArm;
            const [b0, s0] = [groupTicks(arm.browser.pid), ticksOf(sidecar.pid)];
            (withSidecar ? quiet.with : quiet.without).push(await timedLoad(arm, opts.url));
            await sleep(QUIET_PAUSE_MS); // the load's aftermath (the sidecar publishing) is counted too
            ticks[withSidecar ? 'with' : 'without'] += groupTicks(arm.browser.pid) - b0;
            if (withSidecar) ticks.sidecar += ticksOf(sidecar.pid) - s0;
          }
        }
        for (let done = 0; done < share(opts.loads); done += 5) {
          const n = Math.min(5, share(opts.loads) - done);
          const order = done % 10 === 0 ? [true, false] : [false, true];
          for (const withSidecar of order)
            for (let i = 0; i < n; i++)
              (withSidecar ? backToBack.with : backToBack.without).push(
                await timedLoad(withSidecar ? withArm : withoutArm, opts.url),
              );
        }
        for (let i = 0; i < share(opts.newTabs); i++) {
          const order = i % 2 === 0 ? [true, false] : [false, true];
          for (const withSidecar of order) {
            const ms = await timedNewTab(withSidecar ? withArm : withoutArm, opts.url);
            (withSidecar ? newTab.with : newTab.without).push(ms);
            await sleep(QUIET_PAUSE_MS);
          }
        }
      } finally {
        await sidecar.stop();
      }
    }
    const perLoad = (t: number, n: number): number => (t / opts.hz / Math.max(1, n)) * 1000;
    return {
      quiet,
      backToBack,
      newTab,
      browserCpuMs: {
        with: perLoad(ticks.with, quiet.with.length),
        without: perLoad(ticks.without, quiet.without.length),
      },
      sidecarCpuMs: perLoad(ticks.sidecar, quiet.with.length),
    };
  } finally {
    for (const arm of arms) {
      await arm.driver.close();
      await arm.browser.stop();
    }
  }
}

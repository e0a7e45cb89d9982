/**
 * Benchmark `broker`: the session broker against raw puppeteer-core on the same
 * Chromium, in one run.
 *
 * (a) acquire latency (create → a Page that finished loading a local page), p50/p95
 *     over 50 sessions, sequential and at concurrency 8: CONTEXT and BROWSER with
 *     prewarm vs raw puppeteer (connect + createBrowserContext + newPage + goto);
 *     a cold Chromium launch for reference;
 * (b) `Runtime.evaluate` round trip through the proxy vs direct, p50/p99 over 2000 calls;
 * (c) screenshots per second through the proxy vs direct;
 * (d) broker RSS with 50 open sessions.
 *
 * Targets (issue #3): CONTEXT acquire p50 ≤ 1.2x baseline; BROWSER (prewarm) acquire
 * p50 ≤ 1.5x baseline and ≤ 0.5x a cold launch; proxy round trip p50 ≤ 1.25x direct;
 * screenshots ≥ 0.95x direct; broker RSS < 150 MB with 50 open sessions.
 * The broker runs as a real process (its compiled main; `npm run bench` builds it through
 * the bench project's references).
 */
import { browserAcquire, coldLaunch, contextAcquire } from './broker-acquire.js';
import {
  evaluateRoundTrips,
  evaluateRoundTripsPuppeteer,
  rssWithOpenSessions,
  screenshotThroughput,
} from './broker-proxy.js';
import { awaitWarm, percentile as p, startBrokerBench } from './broker-setup.js';
import { report, type Figure } from './report.js';

const N = 50;
const CONCURRENCY = 8;
const median = (xs: readonly number[]): number => p(xs, 50);

/**
 * Only part (b), for iterating on the proxy (`npm run bench -- broker-roundtrip`):
 * `Runtime.evaluate` round trips through the proxy vs direct, and through a bare Node
 * TCP pipe for reference, interleaved; written to `bench/results/broker-roundtrip.json`.
 */
export async function brokerRoundTripBench(calls = 4000): Promise<boolean> {
  const b = await startBrokerBench({ prewarm: 0 });
  const figures: Figure[] = [];
  try {
    const rt = await evaluateRoundTrips(b, calls, true);
    figures.push(...roundTripFigures(rt, ` (${calls} calls)`));
    const pup = await evaluateRoundTripsPuppeteer(b, calls);
    for (const q of [50, 99]) {
      figures.push({
        metric: `Runtime.evaluate round trip p${q}, sent with puppeteer-core's CDPSession (what user code sees)`,
        unit: 'ms',
        ours: p(pup.ours, q),
        baseline: p(pup.baseline, q),
        target: 'reported',
        higherIsBetter: false,
      });
    }
    for (const q of [50, 99]) {
      figures.push({
        metric: `bare Node TCP relay round trip p${q} (reference: the floor of a relay process)`,
        unit: 'ms',
        ours: p(rt.relay, q),
        baseline: p(rt.baseline, q),
        target: 'reported',
        higherIsBetter: false,
      });
    }
  } finally {
    await b.stop();
  }
  return report('broker-roundtrip', figures);
}

function roundTripFigures(rt: { ours: number[]; baseline: number[] }, suffix = ''): Figure[] {
  return [
    {
      metric: `Runtime.evaluate round trip p50${suffix}`,
      unit: 'ms',
      ours: p(rt.ours, 50),
      baseline: p(rt.baseline, 50),
      target: '<= 1.25x direct',
      targetRatio: 1.25,
      higherIsBetter: false,
    },
    {
      metric: `Runtime.evaluate round trip p99${suffix}`,
      unit: 'ms',
      ours: p(rt.ours, 99),
      baseline: p(rt.baseline, 99),
      target: 'reported',
      higherIsBetter: false,
    },
  ];
}

/** Runs the benchmark; resolves whether every target was met. */
export async function brokerBench(): Promise<boolean> {
  const b = await startBrokerBench({ prewarm: CONCURRENCY });
  const figures: Figure[] = [];
  const add = (f: Omit<Figure, 'higherIsBetter'> & { higherIsBetter?: boolean }): void =>
    void figures.push({ higherIsBetter: false, ...f });
  const startRss = b.rss();
  try {
    await awaitWarm(b, 'dedicated', CONCURRENCY);
    const ctx = await contextAcquire(b, N, CONCURRENCY);
    const dedicated = await browserAcquire(b, N, CONCURRENCY);
    const cold = await coldLaunch(b, 5);
    const ms = 'ms';
    add({
      metric: 'acquire CONTEXT p50 (sequential)',
      unit: ms,
      ours: p(ctx.seq.ours, 50),
      baseline: p(ctx.seq.baseline, 50),
      target: '<= 1.2x raw puppeteer',
      targetRatio: 1.2,
    });
    add({
      metric: 'acquire CONTEXT p95 (sequential)',
      unit: ms,
      ours: p(ctx.seq.ours, 95),
      baseline: p(ctx.seq.baseline, 95),
      target: 'reported',
    });
    add({
      metric: 'acquire CONTEXT p50 (concurrency 8)',
      unit: ms,
      ours: p(ctx.conc.ours, 50),
      baseline: p(ctx.conc.baseline, 50),
      target: '<= 1.2x raw puppeteer',
      targetRatio: 1.2,
    });
    add({
      metric: 'acquire CONTEXT p95 (concurrency 8)',
      unit: ms,
      ours: p(ctx.conc.ours, 95),
      baseline: p(ctx.conc.baseline, 95),
      target: 'reported',
    });
    add({
      metric: 'acquire BROWSER+prewarm p50 (sequential)',
      unit: ms,
      ours: p(dedicated.seq, 50),
      baseline: p(ctx.seq.baseline, 50),
      target: '<= 1.5x raw puppeteer',
      targetRatio: 1.5,
    });
    add({
      metric: 'acquire BROWSER+prewarm p95 (sequential)',
      unit: ms,
      ours: p(dedicated.seq, 95),
      baseline: p(ctx.seq.baseline, 95),
      target: 'reported',
    });
    add({
      metric: 'acquire BROWSER+prewarm p50 (concurrency 8)',
      unit: ms,
      ours: p(dedicated.conc, 50),
      baseline: p(ctx.conc.baseline, 50),
      target: '<= 1.5x raw puppeteer',
      targetRatio: 1.5,
    });
    add({
      metric: 'acquire BROWSER+prewarm p95 (concurrency 8)',
      unit: ms,
      ours: p(dedicated.conc, 95),
      baseline: p(ctx.conc.baseline, 95),
      target: 'reported',
    });
    add({
      metric: 'acquire BROWSER+prewarm p50 vs cold launch p50',
      unit: ms,
      ours: p(dedicated.seq, 50),
      baseline: median(cold),
      target: '<= 0.5x cold launch',
      targetRatio: 0.5,
    });

    figures.push(...roundTripFigures(await evaluateRoundTrips(b, 2000)));
    const shots = await screenshotThroughput(b, 3, 4);
    add({
      metric: 'screenshots per second',
      unit: 'shots/s',
      ours: median(shots.ours),
      baseline: median(shots.baseline),
      target: '>= 0.95x direct',
      targetRatio: 0.95,
      higherIsBetter: true,
    });
    const rss = await rssWithOpenSessions(b, N);
    add({
      metric: 'broker RSS, 50 open sessions (clients connected)',
      unit: 'MB',
      ours: rss.open / 2 ** 20,
      baseline: null,
      target: '< 150 MB',
      targetValue: 150,
    });
    add({ metric: 'broker RSS at start', unit: 'MB', ours: startRss / 2 ** 20, baseline: null, target: 'reported' });
    add({
      metric: 'broker peak RSS over the whole run',
      unit: 'MB',
      ours: b.peakRss() / 2 ** 20,
      baseline: null,
      target: 'reported',
    });
  } finally {
    await b.stop();
  }
  return report('broker', figures);
}

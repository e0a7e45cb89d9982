/**
 * Benchmark `sidecar`: the instrumentation sidecar's cost, side by side in one run.
 *
 * 1. Median page-load time (navigate → `load`, seen by the driver) of the
 *    `/resources` fixture page (document + 4 stylesheets) over 50 loads with a
 *    warm sidecar process attached and 50 without, interleaved on two identical
 *    browsers (see `sidecar-page-load.ts`). Target: at most 3% slower. Also
 *    reported, without a target: the same back to back, and new tab + load.
 *    `npm run bench -- sidecar-page-load` runs this part alone.
 * 2. CPU of the sidecar process (utime + stime from /proc, i.e. its
 *    `process.cpuUsage`) over 30 s with 10 open pages and DOM-node and JS-heap
 *    instruments at 1 Hz. Target: under 5% of one core.
 * 3. Publisher throughput to a real Kafka: measurements through the sidecar's
 *    signal publisher (Measurement → Envelope → bus with the sidecar's batching,
 *    acks=all, gzip) until acknowledged, against the bare bus (default
 *    batching) publishing pre-built envelopes.
 *    Target: at least 50,000 measurements/s. `npm run bench -- sidecar-publisher`
 *    runs this part alone (see `sidecar-publisher.ts`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectDriver, startFixtureSite } from '@nightglow/instrumentation-sidecar/testing';
import { startServiceProcess, type ServiceProcess } from '@nightglow/runtime/testing';
import { launchChromium, startKafka } from '@nightglow/testenv';
import { report, type Figure } from './report.js';
import { publisherFigure, publisherThroughput } from './sidecar-publisher.js';
import { measurePageLoads, QUIET_PAUSE_MS, type PageLoadResult } from './sidecar-page-load.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const main = join(repo, 'services/instrumentation-sidecar/dist/main.js');
const BLUEPRINTS = `blueprints:
  - { name: state.dom_nodes, kind: INSTRUMENT_KIND_STATE, metric: dom_nodes, trigger: { interval: 1s } }
  - { name: state.js_heap_used, kind: INSTRUMENT_KIND_STATE, metric: js_heap_used, trigger: { interval: 1s } }
`;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14 and 15 of stat)
}

async function startSidecar(env: Record<string, string>): Promise<ServiceProcess> {
  const p = await startServiceProcess(main, env);
  for (let i = 0; i < 100; i++) {
    if ((await fetch(`http://127.0.0.1:${p.httpPort}/readyz`)).status === 200) return p;
    await sleep(100);
  }
  await p.stop();
  throw new Error(`the sidecar did not become ready:\n${p.stderr()}`);
}

function pageLoadFigures(r: PageLoadResult, loads: number): Figure[] {
  const informational = { target: 'reported', higherIsBetter: false } as const;
  return [
    {
      metric: `median page load, ${loads} loads (/resources), each from a quiet browser (${QUIET_PAUSE_MS} ms pause)`,
      unit: 'ms',
      ours: median(r.quiet.with),
      baseline: median(r.quiet.without),
      target: '<= 1.03x without sidecar',
      higherIsBetter: false,
      targetRatio: 1.03,
    },
    {
      metric: `median page load, ${loads} loads (/resources), back to back`,
      unit: 'ms',
      ours: median(r.backToBack.with),
      baseline: median(r.backToBack.without),
      ...informational,
    },
    {
      metric: `median new tab + page load, ${r.newTab.with.length} loads (/resources)`,
      unit: 'ms',
      ours: median(r.newTab.with),
      baseline: median(r.newTab.without),
      ...informational,
    },
    {
      metric: 'browser CPU per quiet page load (every Chromium process, load + pause)',
      unit: 'ms',
      ours: r.browserCpuMs.with,
      baseline: r.browserCpuMs.without,
      ...informational,
    },
    {
      metric: 'sidecar process CPU per quiet page load of its browser (load + pause)',
      unit: 'ms',
      ours: r.sidecarCpuMs,
      baseline: null,
      ...informational,
    },
  ];
}

/**
 * Runs the benchmark (`only: 'page-load'`: figure 1 alone, reported as
 * `sidecar-page-load`); resolves whether every target was met.
 */
export async function sidecarBench(
  opts: { loads?: number; cpuSeconds?: number; messages?: number; only?: 'page-load' } = {},
): Promise<boolean> {
  const loads = opts.loads ?? 50;
  const [kafka, chromium, site] = await Promise.all([startKafka(), launchChromium(), startFixtureSite()]);
  const dir = mkdtempSync(join(tmpdir(), 'bench-sidecar-'));
  writeFileSync(join(dir, 'blueprints.yaml'), BLUEPRINTS);
  const env = {
    CDP_URL: `http://${new URL(chromium.wsEndpoint).host}`,
    EVENT_BUS: 'kafka',
    KAFKA_BROKERS: kafka.brokers.join(','),
    SIDECAR_ID: 'bench',
    BLUEPRINTS_FILE: join(dir, 'blueprints.yaml'),
  };
  const driver = await connectDriver(chromium.wsEndpoint);
  const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  try {
    const loadResult = await measurePageLoads({
      url: `${site.origin}/resources`,
      loads,
      newTabs: 20,
      start: async (cdpUrl) => {
        const p = await startSidecar({ ...env, CDP_URL: cdpUrl });
        return { pid: p.child.pid ?? 0, stop: () => p.stop() };
      },
      hz,
    });
    if (opts.only === 'page-load') return report('sidecar-page-load', pageLoadFigures(loadResult, loads));

    const pages = await Promise.all(Array.from({ length: 10 }, () => driver.newPage()));
    await Promise.all(pages.map((p, i) => p.goto(`${site.origin}/${i % 2 === 0 ? 'lcp' : 'resources'}`)));
    const p = await startSidecar(env);
    const pid = p.child.pid ?? 0;
    await sleep(3000);
    const seconds = opts.cpuSeconds ?? 30;
    const [c0, t0] = [cpuTicks(pid), performance.now()];
    await sleep(seconds * 1000);
    const cpuPercent = ((cpuTicks(pid) - c0) / hz / ((performance.now() - t0) / 1000)) * 100;
    const metrics = await (await fetch(`http://127.0.0.1:${p.httpPort}/metrics`)).text();
    const attached = Number(/nightglow_sidecar_attached_targets\{[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0);
    await p.stop();
    if (attached < 11) throw new Error(`the sidecar held ${attached} pages, expected 11`);

    const tp = await publisherThroughput(kafka.brokers, opts.messages ?? 100_000);
    return report('sidecar', [
      ...pageLoadFigures(loadResult, loads),
      {
        metric: 'sidecar CPU, 10 pages, 1 Hz sampling',
        unit: '% of one core',
        ours: cpuPercent,
        baseline: null,
        target: '< 5%',
        higherIsBetter: false,
        targetValue: 5,
      },
      publisherFigure(tp),
    ]);
  } finally {
    await driver.close();
    await chromium.stop();
    await site.close();
    await kafka.stop();
  }
}

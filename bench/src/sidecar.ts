/**
 * Benchmark `sidecar`: the instrumentation sidecar's cost, side by side in one run.
 *
 * 1. Median page-load time (navigate → `load`, seen by the driver) of the
 *    `/resources` fixture page (document + 4 stylesheets) over 50 loads with the
 *    sidecar process attached and 50 without, in alternating rounds of 10.
 *    Target: at most 3% slower.
 * 2. CPU of the sidecar process (utime + stime from /proc, i.e. its
 *    `process.cpuUsage`) over 30 s with 10 open pages and DOM-node and JS-heap
 *    instruments at 1 Hz. Target: under 5% of one core.
 * 3. Publisher throughput to a real Kafka: measurements through the sidecar's
 *    signal publisher (Measurement → Envelope → bus with the sidecar's batching,
 *    acks=all, gzip) until acknowledged, against the bare bus (default
 *    batching) publishing pre-built envelopes.
 *    Target: at least 50,000 measurements/s.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { createEnvelope, createKafkaBus, silentLogger, type KafkaBus } from '@nightglow/bus';
import { InstrumentKind, MeasurementSchema } from '@nightglow/contracts/instrumentation/v1';
import { createSignalPublisher, SIDECAR_KAFKA_BATCH } from '@nightglow/instrumentation-sidecar';
import { connectDriver, startFixtureSite, type DriverPage } from '@nightglow/instrumentation-sidecar/testing';
import { startServiceProcess, type ServiceProcess } from '@nightglow/runtime/testing';
import { launchChromium, startKafka } from '@nightglow/testenv';
import { report } from './report.js';

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

async function loadTimes(page: DriverPage, url: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await page.goto(`${url}?i=${Date.now()}-${i}`);
    out.push(performance.now() - t0);
  }
  return out;
}

async function timedDelivery(
  bus: KafkaBus,
  n: number,
  send: (from: number, to: number) => Promise<unknown>,
): Promise<number> {
  await bus.start();
  await send(0, 2000);
  await bus.flush(); // warm-up: connections, metadata
  const t0 = performance.now();
  for (let i = 0; i < n; i += 1000) await send(i, Math.min(n, i + 1000));
  await bus.flush();
  const perSecond = n / ((performance.now() - t0) / 1000);
  const dropped = Object.values(bus.stats().dropped).reduce((a, b) => a + b, 0);
  if (dropped > 0) console.warn(`dropped ${dropped} envelopes`);
  return perSecond;
}

/**
 * Baseline: the bare bus (default batching) publishing pre-built envelopes. Ours: the
 * sidecar's path — Measurement → signal publisher → bus with the sidecar's batching.
 */
async function throughput(brokers: readonly string[], n: number): Promise<{ ours: number; bare: number }> {
  const m = (i: number) =>
    create(MeasurementSchema, {
      instrument: 'state.dom_nodes',
      metric: 'dom_nodes',
      kind: InstrumentKind.STATE,
      value: i,
      unit: 'count',
      sessionId: `s-${i % 50}`,
      taskId: 't',
      actionId: 't/1',
      pool: 'bench',
      targetId: 'T',
      url: 'http://127.0.0.1/resources',
      time: timestampFromMs(Date.now()),
    });
  const envelopes = Array.from({ length: n }, (_, i) =>
    createEnvelope({
      type: 'measurement.recorded',
      source: { service: 'bench' },
      payload: { case: 'measurement', value: m(i) },
      sessionId: `s-${i % 50}`,
    }),
  );
  const bareBus = createKafkaBus({ brokers, topicPrefix: `bench-bare-${Date.now()}` });
  const ourBus = createKafkaBus({ brokers, topicPrefix: `bench-sidecar-${Date.now()}`, batch: SIDECAR_KAFKA_BATCH });
  try {
    const bare = await timedDelivery(bareBus, n, (from, to) => bareBus.publish(envelopes.slice(from, to)));
    const publisher = createSignalPublisher({
      bus: ourBus,
      source: { service: 'instrumentation-sidecar', instance: 'bench' },
      logger: silentLogger,
      now: Date.now,
    });
    const ours = await timedDelivery(ourBus, n, async (from, to) => {
      for (let j = from; j < to; j++) publisher.measurement(m(j));
      await publisher.settle();
    });
    return { ours, bare };
  } finally {
    await bareBus.close();
    await ourBus.close();
  }
}

/** Runs the benchmark; resolves whether every target was met. */
export async function sidecarBench(
  opts: { loads?: number; cpuSeconds?: number; messages?: number } = {},
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
  try {
    const page = await driver.newPage();
    const url = `${site.origin}/resources`;
    await loadTimes(page, url, 10); // warm-up
    const withSidecar: number[] = [];
    const without: number[] = [];
    for (let round = 0; withSidecar.length < loads; round++) {
      const n = Math.min(10, loads - withSidecar.length);
      const measureWith = async (): Promise<void> => {
        const p = await startSidecar(env);
        await sleep(500);
        withSidecar.push(...(await loadTimes(page, url, n)));
        await p.stop();
      };
      if (round % 2 === 0) {
        without.push(...(await loadTimes(page, url, n)));
        await measureWith();
      } else {
        await measureWith();
        without.push(...(await loadTimes(page, url, n)));
      }
    }

    const pages = await Promise.all(Array.from({ length: 10 }, () => driver.newPage()));
    await Promise.all(pages.map((p, i) => p.goto(`${site.origin}/${i % 2 === 0 ? 'lcp' : 'resources'}`)));
    const p = await startSidecar(env);
    const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
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

    const tp = await throughput(kafka.brokers, opts.messages ?? 100_000);
    return report('sidecar', [
      {
        metric: `median page load, ${loads} loads (/resources)`,
        unit: 'ms',
        ours: median(withSidecar),
        baseline: median(without),
        target: '<= 1.03x without sidecar',
        higherIsBetter: false,
        targetRatio: 1.03,
      },
      {
        metric: 'sidecar CPU, 10 pages, 1 Hz sampling',
        unit: '% of one core',
        ours: cpuPercent,
        baseline: null,
        target: '< 5%',
        higherIsBetter: false,
        targetValue: 5,
      },
      {
        metric: 'publisher throughput to Kafka (acks=all); baseline: bare bus, default batching',
        unit: 'measurements/s',
        ours: tp.ours,
        baseline: tp.bare,
        target: '>= 50,000/s',
        higherIsBetter: true,
        targetValue: 50_000,
      },
    ]);
  } finally {
    await driver.close();
    await chromium.stop();
    await site.close();
    await kafka.stop();
  }
}

/**
 * Shared pieces of the `broker` benchmark: the broker as a real process (the
 * compiled main) with a static pool on the baseline's own Chromium (so ours and
 * raw puppeteer-core drive the same browser) and a local pool with prewarmed
 * dedicated browsers, a fixture page, a typed client, and percentiles.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@connectrpc/connect';
import { SessionBroker } from '@nightglow/contracts/broker/v1';
import { createServiceClient, createTracing } from '@nightglow/runtime';
import { startServiceProcess, type ServiceProcess } from '@nightglow/runtime/testing';
import { launchChromium, type ChromiumBrowser } from '@nightglow/testenv';

/** Everything a measurement needs. */
export type BrokerBench = {
  readonly client: Client<typeof SessionBroker>;
  readonly proc: ServiceProcess;
  /** The baseline's Chromium, also the broker's `shared` static pool. */
  readonly chrome: ChromiumBrowser;
  /** A local page that finished loading is the acquire target. */
  readonly url: string;
  /** Resident memory of the broker process, bytes (`VmRSS`). */
  rss(): number;
  /** Peak resident memory of the broker process so far, bytes (`VmHWM`). */
  peakRss(): number;
  stop(): Promise<void>;
};

const PAGE =
  '<!doctype html><html><head><title>bench</title><style>body{font:16px sans-serif}</style></head>' +
  `<body><h1>Nightglow</h1>${'<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>'.repeat(40)}</body></html>`;

/** Percentile `p` (0..100) of `xs` (nearest rank). */
export function percentile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** Milliseconds `fn` took. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Runs `n` jobs with at most `concurrency` in flight; resolves each job's result. */
export async function pool<T>(n: number, concurrency: number, job: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      out[i] = await job(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return out;
}

/** Starts the fixture page, the baseline Chromium and the broker process. */
export async function startBrokerBench(opts: { prewarm: number }): Promise<BrokerBench> {
  const web: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE));
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  const address = web.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  const chrome = await launchChromium();
  const dataDir = mkdtempSync(join(tmpdir(), 'ngb-bench-'));
  const pools = [
    {
      name: 'shared',
      source: 'static',
      maxSessions: 100,
      sessionsPerBrowser: 100,
      static: { endpoints: [{ id: 'bench', url: `http://127.0.0.1:${new URL(chrome.wsEndpoint).port}` }] },
    },
    { name: 'dedicated', maxSessions: opts.prewarm + 4, local: { prewarm: opts.prewarm } },
  ];
  const main = fileURLToPath(new URL('../../services/session-broker/dist/main.js', import.meta.url));
  const proc = await startServiceProcess(main, {
    LOCAL_DATA_DIR: dataDir,
    POOLS: JSON.stringify({ pools }),
    SESSION_RETENTION: '5s',
  });
  const client = createServiceClient(SessionBroker, {
    baseUrl: `http://127.0.0.1:${proc.grpcPort}`,
    tracing: createTracing({ serviceName: 'bench', sampleRatio: 0 }),
  });
  const status = (field: string): number => {
    const line = readFileSync(`/proc/${proc.child.pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${field}:`));
    return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) * 1024;
  };
  return {
    client,
    proc,
    chrome,
    url,
    rss: () => status('VmRSS'),
    peakRss: () => status('VmHWM'),
    async stop() {
      await proc.stop();
      await chrome.stop();
      web.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits until pool `name` has at least `warm` prewarmed browsers (not part of any timing). */
export async function awaitWarm(b: BrokerBench, name: string, warm: number): Promise<void> {
  for (;;) {
    const p = (await b.client.getPool({ pool: name })).pool;
    if ((p?.warm ?? 0) >= warm) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

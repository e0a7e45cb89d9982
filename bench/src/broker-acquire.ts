/**
 * Acquire latency: from asking for a session to holding a puppeteer Page that
 * finished loading a local page.
 *
 * - ours: `CreateSession` (start_url, wait LOAD) → `puppeteer.connect` through the
 *   broker's CDP proxy → `browser.pages()[0]`;
 * - baseline: raw puppeteer-core on an already running Chromium:
 *   `puppeteer.connect` → `createBrowserContext` → `newPage` → `goto(load)`;
 * - cold: `puppeteer.launch` → `newPage` → `goto(load)`, for reference.
 *
 * Cleanup (disconnect, DeleteSession, closing the context) is not timed.
 */
import { Isolation } from '@nightglow/contracts/broker/v1';
import puppeteer from 'puppeteer-core';
import { awaitWarm, pool, timed, type BrokerBench } from './broker-setup.js';

/** Latencies in ms, in acquisition order. */
export type Latencies = number[];

async function ours(b: BrokerBench, poolName: string, isolation: Isolation): Promise<number> {
  let sessionId = '';
  let browser: Awaited<ReturnType<typeof puppeteer.connect>> | undefined;
  const ms = await timed(async () => {
    const { session, token } = await b.client.createSession({
      pool: poolName,
      options: { isolation, startUrl: b.url },
    });
    sessionId = session?.id ?? '';
    browser = await puppeteer.connect({
      browserWSEndpoint: `${session?.cdpEndpoint}?token=${token}`,
      defaultViewport: null,
    });
    const [page] = await browser.pages();
    if (page?.url() !== b.url) throw new Error(`acquired page shows ${page?.url()}`);
  });
  await browser?.disconnect();
  await b.client.deleteSession({ sessionId });
  return ms;
}

async function baseline(b: BrokerBench): Promise<number> {
  let close: () => Promise<void> = () => Promise.resolve();
  const ms = await timed(async () => {
    const browser = await puppeteer.connect({ browserWSEndpoint: b.chrome.wsEndpoint, defaultViewport: null });
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.goto(b.url, { waitUntil: 'load' });
    close = async () => {
      await context.close();
      await browser.disconnect();
    };
  });
  await close();
  return ms;
}

/**
 * CONTEXT (on the baseline's Chromium) and baseline, interleaved so load drift hits both:
 * one by one, then in alternating batches of `concurrency` acquisitions at once.
 */
export async function contextAcquire(b: BrokerBench, n: number, concurrency: number) {
  for (let i = 0; i < 3; i++) await Promise.all([ours(b, 'shared', Isolation.CONTEXT), baseline(b)]); // warm-up
  const seq = { ours: [] as Latencies, baseline: [] as Latencies };
  for (let i = 0; i < n; i++) {
    seq.ours.push(await ours(b, 'shared', Isolation.CONTEXT));
    seq.baseline.push(await baseline(b));
  }
  const conc = { ours: [] as Latencies, baseline: [] as Latencies };
  for (let done = 0; done < n; done += concurrency) {
    const batch = Math.min(concurrency, n - done);
    conc.ours.push(...(await pool(batch, batch, () => ours(b, 'shared', Isolation.CONTEXT))));
    conc.baseline.push(...(await pool(batch, batch, () => baseline(b))));
  }
  return { seq, conc };
}

/**
 * BROWSER isolation with prewarm, in steady state: before each acquisition (or batch of
 * `concurrency`) the pool has refilled its whole warm set (untimed), so no replacement
 * launch competes for the CPU with the acquisition being measured.
 */
export async function browserAcquire(b: BrokerBench, n: number, concurrency: number) {
  const seq: Latencies = [];
  for (let i = 0; i < n; i++) {
    await awaitWarm(b, 'dedicated', concurrency);
    seq.push(await ours(b, 'dedicated', Isolation.BROWSER));
  }
  const conc: Latencies = [];
  for (let done = 0; done < n; done += concurrency) {
    const batch = Math.min(concurrency, n - done);
    await awaitWarm(b, 'dedicated', concurrency);
    conc.push(...(await pool(batch, batch, () => ours(b, 'dedicated', Isolation.BROWSER))));
  }
  return { seq, conc };
}

/** Cold launches of Chromium with puppeteer-core, for reference. */
export async function coldLaunch(b: BrokerBench, n: number): Promise<Latencies> {
  const out: Latencies = [];
  for (let i = 0; i < n; i++) {
    let close: () => Promise<void> = () => Promise.resolve();
    out.push(
      await timed(async () => {
        const browser = await puppeteer.launch({
          executablePath: '/usr/bin/chromium',
          args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
        });
        const page = await browser.newPage();
        await page.goto(b.url, { waitUntil: 'load' });
        close = () => browser.close();
      }),
    );
    await close();
  }
  return out;
}

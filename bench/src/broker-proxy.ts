/**
 * The proxy's cost on the same Chromium: `Runtime.evaluate` round trips over a
 * raw CDP client through the broker's proxy vs straight to the browser (blocks
 * interleaved so drift hits both), screenshots per second with puppeteer
 * through the proxy vs direct (rounds interleaved), and the broker's resident
 * memory with 50 open sessions, each with a puppeteer client connected.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connectBrowser, type CdpConnection, type CdpSession } from '@nightglow/cdp';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { pool, timed, type BrokerBench } from './broker-setup.js';

async function attachPage(c: CdpConnection, url: string, contextId?: string): Promise<CdpSession> {
  let targetId = (await c.send('Target.getTargets')).targetInfos.find(
    (t) => t.type === 'page' && t.url === url,
  )?.targetId;
  if (contextId !== undefined)
    targetId = (await c.send('Target.createTarget', { url, browserContextId: contextId })).targetId;
  if (targetId === undefined) throw new Error('no page to attach to');
  const { sessionId } = await c.send('Target.attachToTarget', { targetId, flatten: true });
  return c.session(sessionId);
}

/** A bare Node TCP pipe to the browser's DevTools port (`bare-tcp-relay.ts`), as a process. */
async function startBareRelay(devtoolsPort: string): Promise<{ port: number; stop(): void }> {
  const script = fileURLToPath(new URL('./bare-tcp-relay.js', import.meta.url));
  const child = spawn(process.execPath, [script, devtoolsPort], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      const m = /port=(\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`bare relay exited with ${code}`)));
  });
  return { port, stop: () => void child.kill('SIGTERM') };
}

type Evaluator = {
  send(method: 'Runtime.evaluate', params: { expression: string; returnByValue: boolean }): Promise<unknown>;
};

/**
 * Times `Runtime.evaluate('1+1')` on each evaluator: a 200-call warm-up each,
 * then blocks of 200 in turn until each has `calls` (so drift hits all alike).
 */
async function interleavedEvaluations<K extends string>(
  evaluators: Partial<Record<K, Evaluator>>,
  calls: number,
): Promise<Record<K, number[]>> {
  const entries = Object.entries(evaluators).filter((e): e is [K, Evaluator] => e[1] !== undefined);
  const out = Object.fromEntries(entries.map(([k]) => [k, [] as number[]])) as Record<K, number[]>;
  const run = async (s: Evaluator, into: number[] | undefined, n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      const ms = await timed(() => s.send('Runtime.evaluate', { expression: '1+1', returnByValue: true }));
      into?.push(ms);
    }
  };
  for (const [, s] of entries) await run(s, undefined, 200);
  for (let done = 0; done < calls; done += 200) for (const [k, s] of entries) await run(s, out[k], 200);
  return out;
}

/**
 * Round-trip times (ms) of `Runtime.evaluate('1+1')`, `calls` each way, blocks interleaved;
 * with `withBareRelay` also through a bare Node TCP pipe (`relay`), the floor of any relay process.
 */
export async function evaluateRoundTrips(b: BrokerBench, calls: number, withBareRelay = false) {
  const { session, token } = await b.client.createSession({ pool: 'shared', options: { startUrl: b.url } });
  const viaProxy = await connectBrowser(`${session?.cdpEndpoint}?token=${token}`);
  const direct = await connectBrowser(b.chrome.wsEndpoint);
  const bare = withBareRelay ? await startBareRelay(new URL(b.chrome.wsEndpoint).port) : undefined;
  const relayUrl = new URL(b.chrome.wsEndpoint);
  relayUrl.port = String(bare?.port ?? 0);
  const viaRelay = bare === undefined ? undefined : await connectBrowser(relayUrl.toString());
  const { browserContextId } = await direct.send('Target.createBrowserContext', {});
  const sessions = {
    ours: await attachPage(viaProxy, b.url),
    baseline: await attachPage(direct, b.url, browserContextId),
    ...(viaRelay === undefined ? {} : { relay: await attachPage(viaRelay, b.url, browserContextId) }),
  };
  const out = await interleavedEvaluations(sessions, calls);
  await direct.send('Target.disposeBrowserContext', { browserContextId });
  await Promise.all([viaProxy.close(), direct.close(), viaRelay?.close()]);
  bare?.stop();
  await b.client.deleteSession({ sessionId: session?.id ?? '' });
  return out;
}

/**
 * A broker session's page driven by puppeteer-core through the proxy (`ours`)
 * and a page of a new context driven by puppeteer-core straight on the same
 * Chromium (`baseline`), both on the fixture page; `close()` ends both.
 */
async function puppeteerPair(b: BrokerBench): Promise<{ ours: Page; baseline: Page; close(): Promise<void> }> {
  const { session, token } = await b.client.createSession({ pool: 'shared', options: { startUrl: b.url } });
  const proxied = await puppeteer.connect({
    browserWSEndpoint: `${session?.cdpEndpoint}?token=${token}`,
    defaultViewport: null,
  });
  const direct = await puppeteer.connect({ browserWSEndpoint: b.chrome.wsEndpoint, defaultViewport: null });
  const context = await direct.createBrowserContext();
  const ours = (await proxied.pages())[0];
  if (ours === undefined) throw new Error('no session page');
  const baseline = await context.newPage();
  await baseline.goto(b.url);
  return {
    ours,
    baseline,
    async close() {
      await context.close();
      await Promise.all([proxied.disconnect(), direct.disconnect()]);
      await b.client.deleteSession({ sessionId: session?.id ?? '' });
    },
  };
}

/**
 * Round-trip times (ms) of `Runtime.evaluate('1+1')` sent with puppeteer-core's
 * CDPSession (what a user's code does), `calls` each way, blocks interleaved:
 * through the proxy vs puppeteer-core connected straight to the browser.
 */
export async function evaluateRoundTripsPuppeteer(b: BrokerBench, calls: number) {
  const pages = await puppeteerPair(b);
  const sessions = { ours: await pages.ours.createCDPSession(), baseline: await pages.baseline.createCDPSession() };
  const out = await interleavedEvaluations(sessions, calls);
  await pages.close();
  return out;
}

async function shotsPerSecond(page: Page, seconds: number): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < end) {
    await page.screenshot({ type: 'png' });
    n++;
  }
  return n / seconds;
}

/** Screenshots per second through the proxy and direct, `rounds` interleaved rounds of `seconds` each. */
export async function screenshotThroughput(b: BrokerBench, rounds: number, seconds: number) {
  const pages = await puppeteerPair(b);
  for (const p of [pages.ours, pages.baseline]) await p.setViewport({ width: 1280, height: 720 });
  const out = { ours: [] as number[], baseline: [] as number[] };
  await shotsPerSecond(pages.ours, 1);
  await shotsPerSecond(pages.baseline, 1);
  for (let i = 0; i < rounds; i++) {
    out.ours.push(await shotsPerSecond(pages.ours, seconds));
    out.baseline.push(await shotsPerSecond(pages.baseline, seconds));
  }
  await pages.close();
  return out;
}

/** Broker RSS (bytes) with `n` READY sessions, each with a puppeteer client connected through the proxy. */
export async function rssWithOpenSessions(b: BrokerBench, n: number): Promise<{ open: number }> {
  const held = await pool(n, 8, async () => {
    const { session, token } = await b.client.createSession({ pool: 'shared', options: { startUrl: b.url } });
    const browser: Browser = await puppeteer.connect({
      browserWSEndpoint: `${session?.cdpEndpoint}?token=${token}`,
      defaultViewport: null,
    });
    await browser.pages();
    return { id: session?.id ?? '', browser };
  });
  await new Promise((r) => setTimeout(r, 3_000));
  const open = b.rss();
  for (const h of held) await h.browser.disconnect();
  await Promise.all(held.map((h) => b.client.deleteSession({ sessionId: h.id })));
  return { open };
}

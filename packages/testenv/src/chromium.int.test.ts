import { createServer, type Server } from 'node:http';
import puppeteer from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './chromium.js';
import { groupMembers } from './process-group.js';

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Nightglow test page</title></head>
<body><h1 id="greeting">Hello from Nightglow</h1>
<script>document.getElementById('greeting').dataset.rendered = String(1 + 1);</script></body></html>`;

describe('chromium (Debian build, launched per test file)', () => {
  let server: Server;
  let origin = '';
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    origin = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('renders a local page over CDP, takes a PNG screenshot, and leaves no process behind', async () => {
    const chromium = await launchChromium();
    expect(chromium.wsEndpoint).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/devtools\/browser\//);
    try {
      const browser = await puppeteer.connect({ browserWSEndpoint: chromium.wsEndpoint });
      const page = await browser.newPage();
      await page.goto(`${origin}/`, { waitUntil: 'load' });
      expect(await page.title()).toBe('Nightglow test page');
      // innerText is what the page shows (layout applied), not just the markup.
      expect(await page.evaluate('document.body.innerText')).toBe('Hello from Nightglow');
      expect(await page.$eval('#greeting', (el) => el.getAttribute('data-rendered'))).toBe('2');
      const png = Buffer.from(await page.screenshot({ type: 'png' }));
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect(png.length).toBeGreaterThan(1_000);
      await browser.disconnect();
    } finally {
      await chromium.stop();
    }
    expect(groupMembers(chromium.pid)).toEqual([]);
    expect(() => process.kill(chromium.pid, 0)).toThrow();
  });
});

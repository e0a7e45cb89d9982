import { connectBrowser } from '@nightglow/cdp';
import { launchChromium, type ChromiumBrowser } from '@nightglow/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCdpGateway, type CdpGateway } from './cdp-gateway.js';
import { SECRET_HEADER } from './gateway-auth.js';

const SECRET = 'gateway-secret-0123456789';

describe('CDP gateway: the browser on the pod network, behind a shared secret', () => {
  let chromium: ChromiumBrowser;
  let gateway: CdpGateway;
  let base: string;

  beforeAll(async () => {
    chromium = await launchChromium();
    const browserHttp = `http://${new URL(chromium.wsEndpoint).host}`;
    gateway = createCdpGateway({ upstream: browserHttp, secret: SECRET, host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${await gateway.start()}`;
  });
  afterAll(async () => {
    await gateway?.stop();
    await chromium?.stop();
    expect(() => process.kill(chromium.pid, 0)).toThrow(); // no Chromium left
  });

  it('refuses requests without the secret or with a wrong one (401), over HTTP and WebSocket', async () => {
    expect((await fetch(`${base}/json/version`)).status).toBe(401);
    expect((await fetch(`${base}/json/version`, { headers: { [SECRET_HEADER]: 'wrong' } })).status).toBe(401);
    expect((await fetch(`${base}/json/version?token=${SECRET}x`)).status).toBe(401);
    const browserPath = new URL(chromium.wsEndpoint).pathname;
    await expect(
      connectBrowser(`ws://127.0.0.1:${new URL(base).port}${browserPath}`, { handshakeTimeoutMs: 3000 }),
    ).rejects.toThrow();
    await expect(connectBrowser(base, { headers: { authorization: 'Bearer nope' } })).rejects.toThrow(/401/);
  });

  it('proxies /json/version with the WebSocket URL rewritten to the gateway, and CDP through it', async () => {
    const res = await fetch(`${base}/json/version`, { headers: { authorization: `Bearer ${SECRET}` } });
    expect(res.status).toBe(200);
    const info = (await res.json()) as { webSocketDebuggerUrl: string; Browser: string };
    expect(new URL(info.webSocketDebuggerUrl).host).toBe(new URL(base).host);
    expect(info.Browser).toMatch(/Chrome/);
    const cdp = await connectBrowser(base, { headers: { [SECRET_HEADER]: SECRET } });
    const { product } = await cdp.send('Browser.getVersion');
    expect(product).toMatch(/Chrome/);
    const { targetInfos } = await cdp.send('Target.getTargets', {});
    expect(targetInfos.some((t) => t.type === 'page')).toBe(true);
    expect(gateway.connections()).toBeGreaterThan(0);
    await cdp.close();
  });

  it('accepts the secret as a token query parameter and carries it into the rewritten URL', async () => {
    const res = await fetch(`${base}/json/version?token=${SECRET}`);
    const info = (await res.json()) as { webSocketDebuggerUrl: string };
    expect(new URL(info.webSocketDebuggerUrl).searchParams.get('token')).toBe(SECRET);
    const cdp = await connectBrowser(info.webSocketDebuggerUrl);
    expect((await cdp.send('Browser.getVersion')).product).toMatch(/Chrome/);
    await cdp.close();
  });
});

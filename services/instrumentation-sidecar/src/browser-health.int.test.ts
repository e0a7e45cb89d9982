import { startService, type StartedService } from '@nightglow/runtime';
import { launchChromium, type ChromiumBrowser } from '@nightglow/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_HEALTH_PATH, BROWSER_HEALTH_TIMEOUT_MS } from './browser-health.js';
import type { SidecarConfig } from './config.js';
import { instrumentationSidecarService } from './service.js';
import { eventually } from './testing/driver.js';

type Probe = { status: number; body: { status: string; reason?: string } };

/** The browser container's probe, as kubelet calls it: GET on the sidecar's HTTP port. */
describe('/browser/healthz on a real Chromium', () => {
  let chromium: ChromiumBrowser;
  let sidecar: StartedService<SidecarConfig>;
  const probe = async (s: StartedService<SidecarConfig> = sidecar): Promise<Probe> => {
    const res = await fetch(`http://127.0.0.1:${s.server.httpPort}${BROWSER_HEALTH_PATH}`);
    return { status: res.status, body: (await res.json()) as Probe['body'] };
  };
  const start = (cdpUrl: string): Promise<StartedService<SidecarConfig>> =>
    startService(instrumentationSidecarService, {
      CDP_URL: cdpUrl,
      SIDECAR_ID: `health-${cdpUrl.slice(0, 2)}`,
      GRPC_PORT: '0',
      HTTP_PORT: '0',
      LOG_LEVEL: 'silent',
    });

  beforeAll(async () => {
    chromium = await launchChromium();
    sidecar = await start(`http://${new URL(chromium.wsEndpoint).host}`);
  });
  afterAll(async () => {
    await sidecar?.stop();
    await chromium?.stop();
    expect(() => process.kill(chromium.pid, 0)).toThrow(); // no Chromium left
  });

  it('is 200 while the browser answers, also with a WebSocket CDP_URL', async () => {
    expect(await probe()).toEqual({ status: 200, body: { status: 'ok' } });
    const viaWs = await start(chromium.wsEndpoint);
    try {
      expect(await probe(viaWs)).toEqual({ status: 200, body: { status: 'ok' } });
    } finally {
      await viaWs.stop();
    }
  });

  it('is 503 with the reason while the browser is frozen, and 200 again once it runs', async () => {
    process.kill(chromium.pid, 'SIGSTOP');
    try {
      const t0 = Date.now();
      const frozen = await probe();
      expect(frozen.status).toBe(503);
      expect(frozen.body.status).toBe('unhealthy');
      expect(frozen.body.reason).toMatch(
        new RegExp(`did not answer /json/version within ${BROWSER_HEALTH_TIMEOUT_MS} ms`),
      );
      // the 1 s timeout answered (the reason above), not a hang; the sidecar shares this test's event loop, whose lag
      // on a loaded machine is in the measurement, so it is not held to kubelet's 2 s here
      expect(Date.now() - t0).toBeLessThan(BROWSER_HEALTH_TIMEOUT_MS + 2000);
    } finally {
      process.kill(chromium.pid, 'SIGCONT');
    }
    await eventually('the browser to answer again', async () => (await probe()).status === 200 || undefined);
  });

  it('is 503 naming the unreachable endpoint after the browser is SIGKILLed; the process itself stays live', async () => {
    process.kill(chromium.pid, 'SIGKILL');
    const dead = await eventually('the probe to fail', async () => {
      const p = await probe();
      return p.status === 503 ? p : undefined;
    });
    expect(dead.body).toEqual({
      status: 'unhealthy',
      reason: `browser: cannot reach http://${new URL(chromium.wsEndpoint).host}/json/version`,
    });
    const live = await fetch(`http://127.0.0.1:${sidecar.server.httpPort}/healthz`);
    expect(live.status).toBe(200); // the sidecar's own liveness is not the browser's
    await eventually('/readyz to report the lost browser', async () => {
      const ready = await fetch(`http://127.0.0.1:${sidecar.server.httpPort}/readyz`);
      return ready.status === 503 || undefined;
    });
  });
});

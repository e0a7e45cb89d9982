/**
 * The kubernetes browser source against the real kube-apiserver of the test
 * environment: browser "pods" come and go as EndpointSlice endpoints of a
 * BrowserPool's Service; the broker reaches each through its CDP gateway with
 * the shared secret (a stand-in gateway in front of a real Chromium here).
 */
import { randomUUID } from 'node:crypto';
import { CoreV1Api, DiscoveryV1Api, KubeConfig } from '@kubernetes/client-node';
import { CloseReason, SessionState } from '@nightglow/contracts/broker/v1';
import { launchChromium, useTestEnv, type ChromiumBrowser } from '@nightglow/testenv';
import puppeteer from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, systemClock } from '@nightglow/runtime';
import { createKubeSource } from './browsers/kube-source.js';
import type { KubernetesSourceConfig } from './pools/pool-config.js';
import { startFakeGateway, type FakeGateway } from './test-support/fake-gateway.js';
import { eventually, startFixtureServer, type FixtureServer } from './test-support/fixtures.js';
import { startBroker, type Harness } from './test-support/harness.js';

const namespace = `browsers-${randomUUID().slice(0, 8)}`;
const SECRET = 'gateway-secret-for-tests';
// The API server refuses loopback addresses in EndpointSlices, and this machine has no pod
// network: the source's dial port maps the pod IP to the loopback gateway, nothing else changes.
const POD_IP = '10.244.0.7';
let chromium: ChromiumBrowser;
let gateway: FakeGateway;
let web: FixtureServer;
let h: Harness;
let discovery: DiscoveryV1Api;
let core: CoreV1Api;

function slice(port: number) {
  return {
    metadata: { name: 'search-browsers-abc12', labels: { 'kubernetes.io/service-name': 'search-browsers' } },
    addressType: 'IPv4',
    ports: [{ name: 'cdp-gateway', port, protocol: 'TCP' }],
    endpoints: [
      {
        addresses: [POD_IP],
        conditions: { ready: true },
        targetRef: { kind: 'Pod', name: 'search-browsers-7d9f-x2x4q', namespace },
      },
    ],
  };
}

beforeAll(async () => {
  const kc = new KubeConfig();
  kc.loadFromFile(useTestEnv().kube.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
  discovery = kc.makeApiClient(DiscoveryV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  [chromium, web] = await Promise.all([launchChromium(), startFixtureServer()]);
  gateway = await startFakeGateway(chromium.wsEndpoint, SECRET);
  await discovery.createNamespacedEndpointSlice({ namespace, body: slice(gateway.port) as never });
  const kubeconfigPath = useTestEnv().kube.kubeconfigPath;
  h = await startBroker({
    env: { KUBECONFIG: kubeconfigPath, CDP_GATEWAY_SECRET: SECRET },
    pools: {
      pools: [
        { name: 'pods', source: 'kubernetes', kubernetes: { namespace, service: 'search-browsers', sidecarPort: 0 } },
      ],
    },
    sourceFor: (pool) =>
      createKubeSource({
        config: pool.source as KubernetesSourceConfig,
        kubeconfigPath,
        gatewaySecret: SECRET,
        clock: systemClock,
        logger: createLogger({ service: 'test', level: 'silent' }),
        dial: (address, port) => `http://${address === POD_IP ? '127.0.0.1' : address}:${port}`,
      }),
  });
});

afterAll(async () => {
  await h?.stop();
  await gateway?.close();
  await chromium?.stop();
  await web?.close();
  await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
});

describe('kubernetes source', () => {
  it('discovers browser pods through EndpointSlices and serves sessions through their gateway', async () => {
    const pool = await eventually('pod discovered', async () => {
      const p = (await h.client.getPool({ pool: 'pods' })).pool;
      return p?.readyBrowserCount === 1 ? p : undefined;
    });
    expect(pool.browsers[0]).toMatchObject({ id: 'search-browsers-7d9f-x2x4q', podName: 'search-browsers-7d9f-x2x4q' });
    const { session, token } = await h.client.createSession({
      pool: 'pods',
      options: { startUrl: `${web.origin}/two` },
    });
    expect(session?.state).toBe(SessionState.READY);
    const browser = await puppeteer.connect({
      browserWSEndpoint: `${session?.cdpEndpoint}?token=${token}`,
      defaultViewport: null,
    });
    const [page] = await browser.pages();
    expect(await page?.title()).toBe('two');
    await browser.disconnect();
    expect(gateway.refused()).toBe(0); // every broker request carried the secret

    await discovery.deleteNamespacedEndpointSlice({ name: 'search-browsers-abc12', namespace });
    const failed = await eventually('session failed with its pod', async () => {
      const r = (await h.client.getSession({ sessionId: session?.id ?? '' })).session;
      return r?.state === SessionState.FAILED ? r : undefined;
    });
    expect(failed.closeReason).toBe(CloseReason.BROWSER_CRASHED);
    expect(failed.closeMessage).toBe('browser pod search-browsers-7d9f-x2x4q left the pool');
    expect((await h.client.getPool({ pool: 'pods' })).pool?.browserCount).toBe(0);
  });
});

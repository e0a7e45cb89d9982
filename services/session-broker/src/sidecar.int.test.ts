/**
 * The broker against a real instrumentation sidecar (its compiled main, as a
 * process) in front of real Chromium, the way a browser pod is built: the
 * broker's `static` pool reaches the browser only through the sidecar's
 * authenticated CDP gateway and names the sidecar's gRPC address. A READY
 * session is attributed by the sidecar (AttachSession: its page's measurements
 * carry the session id, pool and labels); DeleteSession detaches it (phase
 * marks for it are ignored from then on, while another attached session's are
 * still measured). Build first: `npx tsc -b`.
 */
import { fileURLToPath } from 'node:url';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { Client } from '@connectrpc/connect';
import { SessionState } from '@nightglow/contracts/broker/v1';
import { ActionPhase, Instrumentation, type Measurement } from '@nightglow/contracts/instrumentation/v1';
import { createServiceClient, createTracing } from '@nightglow/runtime';
import { startServiceProcess, type ServiceProcess } from '@nightglow/runtime/testing';
import { freePort, launchChromium, type ChromiumBrowser } from '@nightglow/testenv';
import puppeteer from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startFixtureServer, type FixtureServer } from './test-support/fixtures.js';
import { startBroker, type Harness } from './test-support/harness.js';

const sidecarMain = fileURLToPath(new URL('../../instrumentation-sidecar/dist/main.js', import.meta.url));
const SECRET = 'gateway-secret-for-the-test';
let chrome: ChromiumBrowser;
let sidecar: ServiceProcess;
let instrumentation: Client<typeof Instrumentation>;
let h: Harness;
let web: FixtureServer;
const measured: Measurement[] = [];
const streaming = new AbortController();
let stream: Promise<void> | undefined;

beforeAll(async () => {
  web = await startFixtureServer();
  chrome = await launchChromium();
  const gatewayPort = await freePort();
  sidecar = await startServiceProcess(sidecarMain, {
    BIND_HOST: '127.0.0.1',
    CDP_URL: `http://127.0.0.1:${new URL(chrome.wsEndpoint).port}`,
    CDP_GATEWAY_PORT: String(gatewayPort),
    CDP_GATEWAY_SECRET: SECRET,
    SIDECAR_ID: 'it-sidecar',
    SIDECAR_POOL: 'unclaimed',
    SHUTDOWN_TIMEOUT: '5s',
  });
  await eventually('the sidecar to attach to Chromium', async () => {
    const res = await fetch(`http://127.0.0.1:${sidecar.httpPort}/readyz`).catch(() => undefined);
    return res?.ok === true ? true : undefined;
  });
  instrumentation = createServiceClient(Instrumentation, {
    baseUrl: `http://127.0.0.1:${sidecar.grpcPort}`,
    tracing: createTracing({ serviceName: 'broker-sidecar-test', sampleRatio: 0 }),
  });
  stream = (async () => {
    for await (const m of instrumentation.streamMeasurements({}, { signal: streaming.signal }))
      if (m.measurement !== undefined) measured.push(m.measurement);
  })().catch(() => undefined);
  const endpoint = {
    id: 'pod-a',
    url: `http://127.0.0.1:${gatewayPort}`,
    headers: { 'x-nightglow-cdp-secret': SECRET },
    sidecarAddress: `127.0.0.1:${sidecar.grpcPort}`,
  };
  h = await startBroker({
    pools: { pools: [{ name: 'gw', source: 'static', maxSessions: 4, static: { endpoints: [endpoint] } }] },
  });
  await eventually('the broker to reach the browser through the gateway', async () =>
    (await h.client.getPool({ pool: 'gw' })).pool?.readyBrowserCount === 1 ? true : undefined,
  );
}, 60_000);

afterAll(async () => {
  streaming.abort();
  await stream;
  await h?.stop();
  if (sidecar !== undefined) expect(await sidecar.stop()).toBe(0);
  await chrome?.stop();
  await web?.close();
});

/** Marks one action START and END for `sessionId` on the sidecar (as the executor would). */
async function markAction(sessionId: string, actionId: string): Promise<void> {
  for (const phase of [ActionPhase.START, ActionPhase.END]) {
    await instrumentation.markPhase({
      sessionId,
      taskId: 'task-it',
      actionId,
      actionIndex: 0,
      actionType: 'wait',
      phase,
      ok: true,
      time: timestampFromMs(Date.now()),
    });
  }
}

const measurementsOf = (sessionId: string, metric?: string): Measurement[] =>
  measured.filter((m) => m.sessionId === sessionId && (metric === undefined || m.metric === metric));

describe('sessions on a browser behind a real instrumentation sidecar', () => {
  it('attaches a READY session on the sidecar and detaches it on DeleteSession', async () => {
    const { session, token } = await h.client.createSession({
      pool: 'gw',
      options: { startUrl: `${web.origin}/one` },
      labels: { suite: 'sidecar' },
    });
    expect(session?.state).toBe(SessionState.READY);
    expect(session?.sidecarAddress).toBe(`127.0.0.1:${sidecar.grpcPort}`);
    const id = session?.id ?? '';

    // Attributed: a navigation in the session's context (through the proxy and the gateway) is measured for it.
    const browser = await puppeteer.connect({
      browserWSEndpoint: `${session?.cdpEndpoint}?token=${token}`,
      defaultViewport: null,
    });
    const [page] = await browser.pages();
    await page?.goto(`${web.origin}/two`, { waitUntil: 'load' });
    const load = await eventually('a load measurement of the session', () => measurementsOf(id, 'load')[0], 20_000);
    expect(load.pool).toBe('gw');
    expect(load.labels).toEqual({ suite: 'sidecar' });
    expect(load.url).toBe(`${web.origin}/two`);
    await markAction(id, 'task-it/attached');
    await eventually('action_duration of the attached session', () => measurementsOf(id, 'action_duration')[0]);
    await browser.disconnect();

    // A second session stays attached: the control that the sidecar still measures phase marks.
    const other = (await h.client.createSession({ pool: 'gw', options: { startUrl: '' } })).session;
    expect(other?.state).toBe(SessionState.READY);
    const otherId = other?.id ?? '';

    await h.client.deleteSession({ sessionId: id });
    await eventually('CLOSED', async () =>
      (await h.client.getSession({ sessionId: id })).session?.state === SessionState.CLOSED ? true : undefined,
    );
    const before = measurementsOf(id).length;
    await markAction(id, 'task-it/detached');
    await markAction(otherId, 'task-it/control');
    await eventually('action_duration of the control session', () => measurementsOf(otherId, 'action_duration')[0]);
    await new Promise((r) => setTimeout(r, 300));
    expect(measurementsOf(id).length).toBe(before); // detached: marks for it are ignored
    await h.client.deleteSession({ sessionId: otherId });
  });
});

/**
 * BrowserSessions against the real session broker (its compiled main, the
 * local Chromium pool `default`) and the real kube-apiserver, the controller
 * running as the chart's operator ServiceAccount. Polling is set to ten
 * minutes, so every status change seen here came through the broker's
 * WatchSessions stream.
 */
import puppeteer from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionState } from '@nightglow/contracts/broker/v1';
import { createLogger, createTracing, systemClock } from '@nightglow/runtime';
import { createBrokerApi } from '../clients/broker-api.js';
import { createEventRecorder } from '../controller/events.js';
import type { KubeObject } from '../kube/kube-api.js';
import { API_VERSION, RESOURCES } from '../kube/resources.js';
import { createManager, type Manager } from '../manager/manager.js';
import { connectTestKube, createTestNamespace, eventually, installTestCrds } from '../testing/kube-env.js';
import { createOperatorIdentity, type OperatorIdentity } from '../testing/operator-identity.js';
import { startTestBroker, startTestSite, type TestBroker, type TestSite } from '../testing/services.js';
import { createSessionFollower, sessionControllerSpec } from './session-controller.js';
import type { BrowserSession } from './session-types.js';

const admin = connectTestKube();
const { api } = admin;
const logger = createLogger({ service: 'operator-test', level: 'silent' });
const TEN_MINUTES = 600_000;
let ns = '';
let op: OperatorIdentity;
let broker: TestBroker;
let site: TestSite;
let manager: Manager;

const session = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: API_VERSION,
  kind: 'BrowserSession',
  metadata: { name, namespace: ns },
  spec,
});
const read = async (name: string): Promise<BrowserSession | undefined> =>
  (await api.get(RESOURCES.browserSession, { namespace: ns, name })) as BrowserSession | undefined;
const inPhase = (name: string, phase: string) => async (): Promise<BrowserSession | undefined> => {
  const s = await read(name);
  return s?.status?.phase === phase ? s : undefined;
};

describe('BrowserSession with the real session broker', () => {
  beforeAll(async () => {
    [broker, site] = await Promise.all([startTestBroker(), startTestSite()]);
    await installTestCrds(api);
    ns = await createTestNamespace(api, 'sessions');
    op = await createOperatorIdentity(admin, ns);
    const brokerApi = createBrokerApi({
      baseUrl: broker.url,
      tracing: createTracing({ serviceName: 'operator-test' }),
    });
    const events = createEventRecorder({ api: op.api, clock: systemClock, logger });
    const watch = createSessionFollower({ broker: brokerApi, clock: systemClock, logger });
    manager = createManager({
      api: op.api,
      clock: systemClock,
      logger,
      namespace: ns,
      specs: [
        sessionControllerSpec({
          api: op.api,
          broker: brokerApi,
          clock: systemClock,
          events,
          watch,
          pollMs: TEN_MINUTES,
          readyPollMs: TEN_MINUTES,
        }),
      ],
    });
    manager.start();
  }, 120_000);
  afterAll(async () => {
    await manager?.stop();
    await op?.cleanup();
    await site?.close();
    expect(await broker?.stop()).toBe(0);
  });

  it('becomes Ready with a CDP endpoint that puppeteer connects through and browses with', async () => {
    await api.create(RESOURCES.browserSession, session('web', { pool: 'default', startUrl: `${site.url}/news` }));
    const ready = await eventually(inPhase('web', 'Ready'), 'the session to be Ready', 60_000);
    const status = ready.status ?? {};
    expect(status.cdpEndpoint).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/cdp\//);
    expect(status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True' });
    expect(status.expireTime).toBeDefined();
    const secret = (await api.get(RESOURCES.secret, { namespace: ns, name: status.tokenSecretName ?? '' })) as
      (KubeObject & { data?: Record<string, string> }) | undefined;
    const token = Buffer.from(secret?.data?.['token'] ?? '', 'base64').toString();
    expect(Buffer.from(secret?.data?.['sessionId'] ?? '', 'base64').toString()).toBe(status.sessionId);

    const browser = await puppeteer.connect({
      browserWSEndpoint: `${status.cdpEndpoint ?? ''}?token=${encodeURIComponent(token)}`,
      defaultViewport: null,
    });
    try {
      const pages = await browser.pages();
      const page = pages.find((p) => p.url().startsWith(site.url));
      expect(page?.url()).toBe(`${site.url}/news`);
      expect(await page?.title()).toBe('News');
      await page?.goto(`${site.url}/other`);
      expect(await page?.title()).toBe('Other');
    } finally {
      await browser.disconnect();
    }
    const b = (await broker.client.getSession({ sessionId: status.sessionId ?? '' })).session;
    expect(b?.state).toBe(SessionState.READY);
    expect(b?.labels).toMatchObject({ 'nightglow.io/namespace': ns, 'nightglow.io/session': 'web' });
  });

  it('closes the broker session when the BrowserSession is deleted', async () => {
    const ready = await eventually(inPhase('web', 'Ready'), 'the session to be Ready', 60_000);
    await api.delete(RESOURCES.browserSession, { namespace: ns, name: 'web' });
    await eventually(async () => ((await read('web')) ? undefined : true), 'the object to go');
    const b = (await broker.client.getSession({ sessionId: ready.status?.sessionId ?? '' })).session;
    expect([SessionState.CLOSING, SessionState.CLOSED]).toContain(b?.state);
    expect(b?.closeMessage).toContain('BrowserSession deleted');
  });

  it('follows a close the broker made on its own through the watch stream', async () => {
    await api.create(RESOURCES.browserSession, session('short', { pool: 'default' }));
    const ready = await eventually(inPhase('short', 'Ready'), 'the session to be Ready', 60_000);
    await broker.client.deleteSession({ sessionId: ready.status?.sessionId ?? '', reason: 'closed by the test' });
    // No poll runs for ten minutes: only the stream can bring this.
    const closed = await eventually(inPhase('short', 'Closed'), 'the session to be Closed', 20_000);
    expect(closed.status).toMatchObject({ closeReason: 'DELETED' });
    expect(closed.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False' });
  });

  it('ends Failed, reason PoolNotFound, for a pool the broker does not have', async () => {
    await api.create(RESOURCES.browserSession, session('lost', { pool: 'nope' }));
    const failed = await eventually(inPhase('lost', 'Failed'), 'the session to fail');
    expect(failed.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'PoolNotFound',
    });
    expect(failed.status?.message).toContain('nope');
  });
});

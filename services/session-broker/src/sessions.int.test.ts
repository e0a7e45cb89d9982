/** Real Chromium, in process, manual clock: lifecycle, expiry, activity, queue, isolation, emulation, bad input. */
import { durationFromMs } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError } from '@connectrpc/connect';
import { CloseReason, Isolation, SessionState } from '@nightglow/contracts/broker/v1';
import { Topic } from '@nightglow/contracts/events/v1';
import { BadRequestSchema, ErrorInfoSchema } from '@nightglow/contracts/google/rpc';
import { createManualClock } from '@nightglow/runtime';
import puppeteer from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startFixtureServer, type FixtureServer } from './test-support/fixtures.js';
import { startBroker, type Harness } from './test-support/harness.js';

const clock = createManualClock(Date.now());
let h: Harness;
let web: FixtureServer;
const envelopes: string[] = [];

beforeAll(async () => {
  web = await startFixtureServer();
  h = await startBroker({
    clock,
    pools: {
      pools: [
        { name: 'default', maxSessions: 4, local: { prewarm: 1 } },
        { name: 'tight', maxSessions: 1, maxQueued: 1, local: { prewarm: 0 } },
      ],
    },
  });
  await h.bus.subscribe({
    groupId: 'test',
    topics: [Topic.SESSIONS],
    fromBeginning: true,
    handler: async (batch) => {
      for (const r of batch.records)
        if (r.kind === 'event') envelopes.push(`${r.envelope.sessionId}:${r.envelope.type}`);
    },
  });
});

afterAll(async () => {
  await h?.stop();
  await web?.close();
});

const get = async (id: string) => (await h.client.getSession({ sessionId: id })).session;
const until = (id: string, state: SessionState) =>
  eventually(`session ${id} ${SessionState[state]}`, async () => ((await get(id))?.state === state ? true : undefined));
const connect = (endpoint: string, token: string) =>
  puppeteer.connect({ browserWSEndpoint: `${endpoint}?token=${token}`, defaultViewport: null });

describe('session lifecycle with real Chromium', () => {
  it('creates a READY session whose page finished loading, lists, touches and deletes it', async () => {
    const { session, token } = await h.client.createSession({
      options: { startUrl: `${web.origin}/one` },
      labels: { suite: 'lifecycle' },
    });
    expect(session?.state).toBe(SessionState.READY);
    const id = session?.id ?? '';
    const browser = await connect(session?.cdpEndpoint ?? '', token);
    const [page] = await browser.pages();
    expect(await page?.title()).toBe('one');
    expect(await page?.evaluate('document.readyState')).toBe('complete');
    const listed = (await h.client.listSessions({ labelSelector: 'suite=lifecycle' })).sessions;
    expect(listed.map((s) => s.id)).toEqual([id]);
    clock.advance(5_000);
    const touched = (await h.client.touchSession({ sessionId: id })).session;
    expect(Number(touched?.lastActivityTime?.seconds)).toBe(Math.floor(clock.now() / 1000));
    const disconnected = new Promise((r) => browser.once('disconnected', r));
    expect((await h.client.deleteSession({ sessionId: id })).session?.state).toBe(SessionState.CLOSING);
    await until(id, SessionState.CLOSED);
    await disconnected;
    await eventually('the bus events', () =>
      envelopes.filter((e) => e.startsWith(id)).length >= 4 ? true : undefined,
    );
    expect(envelopes.filter((e) => e.startsWith(id)).map((e) => e.split(':')[1])).toEqual([
      'session.created',
      'session.ready',
      'session.closing',
      'session.closed',
    ]);
  });

  it('applies viewport, user agent, locale and time zone to the session pages', async () => {
    const { session, token } = await h.client.createSession({
      options: {
        startUrl: `${web.origin}/`,
        viewport: { width: 640, height: 480 },
        userAgent: 'NightglowTest/1.0',
        locale: 'de-DE',
        timezoneId: 'Asia/Tokyo',
      },
    });
    const browser = await connect(session?.cdpEndpoint ?? '', token);
    const [page] = await browser.pages();
    const seen = await page?.evaluate(
      '[innerWidth, innerHeight, navigator.userAgent, navigator.language, Intl.DateTimeFormat().resolvedOptions().timeZone]',
    );
    expect(seen).toEqual([640, 480, 'NightglowTest/1.0', 'de-DE', 'Asia/Tokyo']);
    const second = await browser.newPage();
    expect(await second.evaluate('[innerWidth, navigator.language]')).toEqual([640, 'de-DE']);
    await browser.disconnect();
    await h.client.deleteSession({ sessionId: session?.id ?? '' });
  });

  it('closes sessions at their TTL and after their idle timeout, on the injected clock', async () => {
    const ttl = (await h.client.createSession({ options: { ttl: durationFromMs(60_000) } })).session;
    const idle = (await h.client.createSession({ options: { idleTimeout: durationFromMs(30_000) } })).session;
    clock.advance(30_000);
    await until(idle?.id ?? '', SessionState.CLOSED);
    expect((await get(idle?.id ?? ''))?.closeReason).toBe(CloseReason.IDLE_TIMEOUT);
    expect((await get(ttl?.id ?? ''))?.state).toBe(SessionState.READY);
    clock.advance(30_000);
    await until(ttl?.id ?? '', SessionState.CLOSED);
    expect((await get(ttl?.id ?? ''))?.closeReason).toBe(CloseReason.TTL_EXPIRED);
  });

  it('counts CDP traffic through the proxy as activity', async () => {
    const { session, token } = await h.client.createSession({ options: { idleTimeout: durationFromMs(30_000) } });
    const id = session?.id ?? '';
    const browser = await connect(session?.cdpEndpoint ?? '', token);
    const [page] = await browser.pages();
    clock.advance(20_000);
    await page?.evaluate(() => 1 + 1);
    const expected = Math.floor(clock.now() / 1000);
    await eventually('activity recorded', async () =>
      Number((await get(id))?.lastActivityTime?.seconds) === expected ? true : undefined,
    );
    clock.advance(20_000);
    await new Promise((r) => setTimeout(r, 100));
    expect((await get(id))?.state).toBe(SessionState.READY);
    const cut = new Promise((r) => browser.once('disconnected', r));
    clock.advance(10_000);
    await until(id, SessionState.CLOSED);
    await cut; // the proxy cut the client's connection when the session closed
  });

  it('gives BROWSER sessions a prewarmed browser of their own, stopped afterwards', async () => {
    const warm = (await h.client.getPool({ pool: 'default' })).pool?.browsers.find((b) => b.warm)?.id;
    const { session } = await h.client.createSession({
      options: { isolation: Isolation.BROWSER, startUrl: `${web.origin}/two` },
    });
    expect([session?.state, session?.browserId, session?.browserContextId]).toEqual([SessionState.READY, warm, '']);
    await h.client.deleteSession({ sessionId: session?.id ?? '' });
    await until(session?.id ?? '', SessionState.CLOSED);
    await eventually('dedicated browser stopped', async () => {
      const ids = (await h.client.getPool({ pool: 'default' })).pool?.browsers.map((b) => b.id) ?? [];
      return ids.includes(warm ?? '') ? undefined : true;
    });
  });
});

describe('capacity and bad input', () => {
  it('queues in order, refuses a full queue and an expired wait with RESOURCE_EXHAUSTED', async () => {
    const first = (await h.client.createSession({ pool: 'tight' })).session;
    const second = (await h.client.createSession({ pool: 'tight', noWait: true })).session;
    expect([second?.state, second?.queuePosition]).toEqual([SessionState.QUEUED, 1]);
    const full = await h.client.createSession({ pool: 'tight' }).catch((e: unknown) => e as ConnectError);
    expect(full).toBeInstanceOf(ConnectError);
    expect((full as ConnectError).code).toBe(Code.ResourceExhausted);
    expect((full as ConnectError).findDetails(ErrorInfoSchema)[0]?.metadata).toEqual({ queueLength: '1' });
    await h.client.deleteSession({ sessionId: first?.id ?? '' });
    await until(second?.id ?? '', SessionState.READY);
    const waiting = h.client
      .createSession({ pool: 'tight', options: { queueTimeout: durationFromMs(10_000) } })
      .catch((e: unknown) => e);
    await eventually('queued', async () =>
      (await h.client.getPool({ pool: 'tight' })).pool?.queued === 1 ? true : undefined,
    );
    clock.advance(10_000);
    const expired = (await waiting) as ConnectError;
    expect(expired.code).toBe(Code.ResourceExhausted);
    expect(expired.findDetails(ErrorInfoSchema)[0]?.reason).toBe('QUEUE_TIMEOUT');
    await h.client.deleteSession({ sessionId: second?.id ?? '' });
  });

  it('answers NOT_FOUND and INVALID_ARGUMENT with field details over real gRPC', async () => {
    const fail = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e as ConnectError,
      );
    expect((await fail(h.client.createSession({ pool: 'nope' })))?.code).toBe(Code.NotFound);
    expect((await fail(h.client.getSession({ sessionId: '01900000-0000-7000-8000-000000000000' })))?.code).toBe(
      Code.NotFound,
    );
    const bad = await fail(
      h.client.createSession({
        options: { ttl: { seconds: -10n, nanos: 0 }, isolation: 5 as Isolation, startUrl: 'file:///etc/passwd' },
      }),
    );
    expect(bad?.code).toBe(Code.InvalidArgument);
    expect(bad?.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field)).toEqual([
      'options.isolation',
      'options.ttl',
      'options.start_url',
    ]);
  });
});

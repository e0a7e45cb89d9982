/**
 * Two broker processes (the compiled main) sharing one real Redis: a session
 * created through A is read, watched, proxied (B forwards to A, which holds the
 * browser), touched, screencast and deleted through B; TTL reaping runs once,
 * on the lease holder; a static pool's `maxSessions` and FIFO queue hold across
 * both, and the seats of a replica killed with SIGKILL come back.
 * Build first: `npx tsc -b services/session-broker`.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { durationFromMs } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, type Client } from '@connectrpc/connect';
import {
  CloseReason,
  SessionBroker,
  SessionEventType,
  SessionState,
  type WatchSessionsResponse,
} from '@nightglow/contracts/broker/v1';
import { createServiceClient, createTracing } from '@nightglow/runtime';
import { scrapeMetric, startServiceProcess, type ServiceProcess } from '@nightglow/runtime/testing';
import { ErrorInfoSchema } from '@nightglow/contracts/google/rpc';
import { launchChromium, useTestEnv, type ChromiumBrowser } from '@nightglow/testenv';
import puppeteer from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, expectNoChromiumUnder, startFixtureServer, type FixtureServer } from './test-support/fixtures.js';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const tracing = createTracing({ serviceName: 'replica-test', sampleRatio: 0 });
type Replica = { proc: ServiceProcess; client: Client<typeof SessionBroker>; dataDir: string; http: string };
let a: Replica;
let b: Replica;
let web: FixtureServer;
let chrome: ChromiumBrowser;
let prefix: string;

async function replica(): Promise<Replica> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ngb-test-'));
  const proc = await startServiceProcess(main, {
    BIND_HOST: '127.0.0.1',
    STATE_STORE: 'redis',
    REDIS_URL: useTestEnv().redis.url,
    REDIS_KEY_PREFIX: prefix,
    LOCAL_DATA_DIR: dataDir,
    REAP_INTERVAL: '200ms',
    SHUTDOWN_TIMEOUT: '5s',
    POOLS: JSON.stringify({
      pools: [
        { name: 'default', maxSessions: 3, local: { prewarm: 0 } },
        {
          name: 'fixed',
          source: 'static',
          maxSessions: 2,
          maxQueued: 2,
          sessionsPerBrowser: 10,
          defaults: { startUrl: '' },
          static: { endpoints: [{ id: 'shared', url: `http://127.0.0.1:${new URL(chrome.wsEndpoint).port}` }] },
        },
      ],
    }),
  });
  const client = createServiceClient(SessionBroker, { baseUrl: `http://127.0.0.1:${proc.grpcPort}`, tracing });
  return { proc, client, dataDir, http: `127.0.0.1:${proc.httpPort}` };
}

beforeAll(async () => {
  web = await startFixtureServer();
  chrome = await launchChromium();
  prefix = `test:${randomUUID()}:`;
  [a, b] = await Promise.all([replica(), replica()]);
});

afterAll(async () => {
  for (const r of [a, b]) {
    if (r === undefined) continue;
    expect(await r.proc.stop()).toBe(0);
    await expectNoChromiumUnder(r.dataDir);
    rmSync(r.dataDir, { recursive: true, force: true });
  }
  await web?.close();
  await chrome?.stop();
});

const stateOf = async (r: Replica, id: string) => (await r.client.getSession({ sessionId: id })).session?.state;
const reaches = (r: Replica, id: string, state: SessionState) =>
  eventually(`${id} ${SessionState[state]}`, async () => ((await stateOf(r, id)) === state ? true : undefined));
const exhaustion = (e: unknown) => {
  const err = ConnectError.from(e);
  const info = err.findDetails(ErrorInfoSchema)[0];
  return { code: err.code, reason: info?.reason, queueLength: info?.metadata['queueLength'] };
};

describe('two replicas sharing Redis', () => {
  it('serves a session created through A entirely through B', async () => {
    const { session, token } = await a.client.createSession({ options: { startUrl: `${web.origin}/one` } });
    const id = session?.id ?? '';
    expect(session?.cdpEndpoint).toBe(`ws://${a.http}/cdp/${id}`);
    expect((await b.client.getSession({ sessionId: id })).session?.state).toBe(SessionState.READY);

    const events: WatchSessionsResponse[] = [];
    const abort = new AbortController();
    const watching = (async () => {
      for await (const m of b.client.watchSessions({ sessionId: id, sendInitialState: true }, { signal: abort.signal }))
        events.push(m);
    })().catch(() => undefined);
    // SYNCED follows B's subscription to the changes: from here on, a change made through any replica reaches it.
    await eventually('the watch on B to sync', () =>
      events.some((e) => e.event?.type === SessionEventType.SYNCED) ? true : undefined,
    );

    const browser = await puppeteer.connect({
      browserWSEndpoint: `ws://${b.http}/cdp/${id}?token=${token}`,
      defaultViewport: null,
    });
    const [page] = await browser.pages();
    expect(await page?.evaluate('document.title')).toBe('one');

    const frames: bigint[] = [];
    const stop = new AbortController();
    await (async () => {
      for await (const f of b.client.streamScreencast({ sessionId: id, maxFps: 5 }, { signal: stop.signal })) {
        frames.push(f.sequence);
        if (f.data[0] === 0xff) stop.abort();
      }
    })().catch(() => undefined);
    expect(frames[0]).toBe(1n);

    const before = (await a.client.getSession({ sessionId: id })).session?.expireTime?.seconds ?? 0n;
    await b.client.touchSession({ sessionId: id, extendBy: durationFromMs(60_000) });
    expect((await a.client.getSession({ sessionId: id })).session?.expireTime?.seconds).toBe(before + 60n);

    const cut = new Promise((r) => browser.once('disconnected', r));
    await b.client.deleteSession({ sessionId: id, reason: 'through B' });
    await eventually('CLOSED via B', async () =>
      (await b.client.getSession({ sessionId: id })).session?.state === SessionState.CLOSED ? true : undefined,
    );
    await cut;
    await eventually('watch saw CLOSED', () =>
      events.some((e) => e.event?.session?.state === SessionState.CLOSED) ? true : undefined,
    );
    abort.abort();
    await watching;
    expect(events.map((e) => SessionEventType[e.event?.type ?? 0])).toEqual([
      'SNAPSHOT',
      'SYNCED',
      'EXTENDED',
      'STATE_CHANGED',
      'STATE_CHANGED',
    ]);
    expect(events.slice(3).map((e) => SessionState[e.event?.session?.state ?? 0])).toEqual(['CLOSING', 'CLOSED']);
    const pool = (await a.client.getPool({ pool: 'default' })).pool;
    expect(pool?.inUse).toBe(0); // A, the owner, disposed of the context and freed the seat
  });

  it('reaps an expired session exactly once, on the lease holder', async () => {
    // Long enough to turn READY even on a loaded machine (B launches its first browser here).
    const s = (await b.client.createSession({ options: { ttl: durationFromMs(8_000) } })).session;
    expect(s?.state).toBe(SessionState.READY);
    const closed = await eventually(
      'TTL close',
      async () => {
        const r = (await a.client.getSession({ sessionId: s?.id ?? '' })).session;
        return r?.state === SessionState.CLOSED ? r : undefined;
      },
      30_000,
    );
    expect(closed.closeReason).toBe(CloseReason.TTL_EXPIRED);
    const reaped = (r: Replica): Promise<number> =>
      scrapeMetric(r.proc.httpPort, 'nightglow_broker_reaped_total', { outcome: 'TTL_EXPIRED' });
    const leader = (r: Replica): Promise<number> => scrapeMetric(r.proc.httpPort, 'nightglow_broker_reaper_leader');
    expect((await reaped(a)) + (await reaped(b))).toBe(1);
    expect([await leader(a), await leader(b)].sort()).toEqual([0, 1]);
  });

  it('holds a static pool to maxSessions across both replicas, with one FIFO queue', async () => {
    const s1 = (await a.client.createSession({ pool: 'fixed' })).session;
    const s2 = (await b.client.createSession({ pool: 'fixed' })).session;
    expect([s1?.state, s2?.state]).toEqual([SessionState.READY, SessionState.READY]);
    for (const r of [a, b]) expect((await r.client.getPool({ pool: 'fixed' })).pool).toMatchObject({ inUse: 2 });
    const noWait = await b.client
      .createSession({ pool: 'fixed', options: { queueTimeout: durationFromMs(0) } })
      .catch((e: unknown) => e);
    expect(exhaustion(noWait)).toEqual({ code: Code.ResourceExhausted, reason: 'QUEUE_TIMEOUT', queueLength: '0' });
    const q1 = (await b.client.createSession({ pool: 'fixed', noWait: true })).session;
    const q2 = (await a.client.createSession({ pool: 'fixed', noWait: true })).session;
    expect([q1?.state, q1?.queuePosition, q2?.state, q2?.queuePosition]).toEqual([
      SessionState.QUEUED,
      1,
      SessionState.QUEUED,
      2,
    ]);
    const full = await a.client.createSession({ pool: 'fixed' }).catch((e: unknown) => e);
    expect(exhaustion(full)).toEqual({ code: Code.ResourceExhausted, reason: 'QUEUE_FULL', queueLength: '2' });
    expect((await a.client.getPool({ pool: 'fixed' })).pool).toMatchObject({ inUse: 2, queued: 2 });

    await a.client.deleteSession({ sessionId: s1?.id ?? '' }); // freed on A: the oldest waiter (on B) gets it
    await reaches(b, q1?.id ?? '', SessionState.READY);
    await eventually('q2 moved to position 1', async () =>
      (await a.client.getSession({ sessionId: q2?.id ?? '' })).session?.queuePosition === 1 ? true : undefined,
    );
    expect(await stateOf(a, q2?.id ?? '')).toBe(SessionState.QUEUED);
    await b.client.deleteSession({ sessionId: s2?.id ?? '' });
    await reaches(a, q2?.id ?? '', SessionState.READY);
    for (const s of [q1, q2]) await a.client.deleteSession({ sessionId: s?.id ?? '' });
    for (const s of [q1, q2]) await reaches(b, s?.id ?? '', SessionState.CLOSED);
    await eventually('every seat back', async () =>
      (await b.client.getPool({ pool: 'fixed' })).pool?.inUse === 0 ? true : undefined,
    );
  });

  it('gives the seats of a replica killed with SIGKILL back once its heartbeat lapses', async () => {
    const c = await replica();
    try {
      const held = await Promise.all([
        c.client.createSession({ pool: 'fixed' }),
        c.client.createSession({ pool: 'fixed' }),
      ]);
      expect(held.map((r) => r.session?.state)).toEqual([SessionState.READY, SessionState.READY]);
      const refused = await a.client
        .createSession({ pool: 'fixed', options: { queueTimeout: durationFromMs(0) } })
        .catch((e: unknown) => e);
      expect(exhaustion(refused).code).toBe(Code.ResourceExhausted);
      c.proc.child.kill('SIGKILL');
      await c.proc.exited;
      // Waits in A's queue until the sweep frees C's seats (heartbeat TTL 15 s), then starts.
      const after = (await a.client.createSession({ pool: 'fixed', options: { queueTimeout: durationFromMs(40_000) } }))
        .session;
      expect(after?.state).toBe(SessionState.READY);
      for (const r of held) await reaches(a, r.session?.id ?? '', SessionState.FAILED); // owner gone
      await a.client.deleteSession({ sessionId: after?.id ?? '' });
    } finally {
      if (c.proc.child.exitCode === null && c.proc.child.signalCode === null) c.proc.child.kill('SIGKILL');
      rmSync(c.dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

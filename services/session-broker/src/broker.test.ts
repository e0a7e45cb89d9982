import { durationFromMs } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError } from '@connectrpc/connect';
import { BrowserState, CloseReason, Isolation, SessionState } from '@nightglow/contracts/broker/v1';
import { ErrorInfoSchema } from '@nightglow/contracts/google/rpc';
import { afterEach, describe, expect, it } from 'vitest';
import { flushAsync, startUnitBroker, type UnitBroker } from './test-support/unit-broker.js';

let ub: UnitBroker | undefined;
afterEach(async () => {
  await ub?.close();
  ub = undefined;
});

const pool = (over: Record<string, unknown> = {}) => ({ pools: [{ name: 'default', local: { prewarm: 0 }, ...over }] });
const errorOf = async (p: Promise<unknown>): Promise<ConnectError> => {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!(e instanceof ConnectError)) throw new Error(`expected a ConnectError, got ${String(e)}`);
  return e;
};

describe('broker (fake browsers, manual clock)', () => {
  it('creates a READY session in its own context and closes it on delete', async () => {
    ub = await startUnitBroker(pool());
    const { session, token } = await ub.client.createSession({ labels: { team: 'search' } });
    expect(session?.state).toBe(SessionState.READY);
    expect(session?.browserContextId).toMatch(/^CTX-/);
    expect(session?.cdpEndpoint).toBe(`ws://127.0.0.1:1/cdp/${session?.id}`);
    expect(ub.tokens.verify(session?.id ?? '', token)).toBe(true);
    const id = session?.id ?? '';
    expect((await ub.client.getSession({ sessionId: id })).session?.labels).toEqual({ team: 'search' });
    expect((await ub.client.deleteSession({ sessionId: id, reason: 'done' })).session?.state).toBe(
      SessionState.CLOSING,
    );
    await flushAsync();
    const closed = (await ub.client.getSession({ sessionId: id })).session;
    expect(closed?.state).toBe(SessionState.CLOSED);
    expect(closed?.closeReason).toBe(CloseReason.DELETED);
    expect(closed?.closeMessage).toBe('done');
    expect(ub.fakes.log.disposed).toEqual([session?.browserContextId]);
    expect(ub.changes.map((c) => `${c.type}:${c.session.state}`)).toEqual([
      'CREATED:STARTING',
      'STATE_CHANGED:READY',
      'STATE_CHANGED:CLOSING',
      'STATE_CHANGED:CLOSED',
    ]);
  });

  it('queues FIFO when full, shows positions, refuses a full queue and times waiters out', async () => {
    ub = await startUnitBroker(pool({ maxSessions: 1, maxQueued: 2 }));
    const first = (await ub.client.createSession({})).session;
    const b = (await ub.client.createSession({ noWait: true, options: { queueTimeout: durationFromMs(60_000) } }))
      .session;
    const c = (await ub.client.createSession({ noWait: true, options: { queueTimeout: durationFromMs(5_000) } }))
      .session;
    expect([b?.state, b?.queuePosition, c?.queuePosition]).toEqual([SessionState.QUEUED, 1, 2]);
    const full = await errorOf(ub.client.createSession({}));
    expect(full.code).toBe(Code.ResourceExhausted);
    expect(full.findDetails(ErrorInfoSchema)[0]).toMatchObject({
      reason: 'QUEUE_FULL',
      metadata: { queueLength: '2' },
    });
    await ub.client.deleteSession({ sessionId: first?.id ?? '' });
    await flushAsync();
    expect((await ub.client.getSession({ sessionId: b?.id ?? '' })).session?.state).toBe(SessionState.READY);
    const moved = (await ub.client.getSession({ sessionId: c?.id ?? '' })).session;
    expect(moved?.queuePosition).toBe(1);
    expect(ub.changes.some((x) => x.type === 'QUEUE_POSITION_CHANGED' && x.session.id === c?.id)).toBe(true);
    ub.clock.advance(5_000);
    await flushAsync();
    const timedOut = (await ub.client.getSession({ sessionId: c?.id ?? '' })).session;
    expect([timedOut?.state, timedOut?.closeReason]).toEqual([SessionState.FAILED, CloseReason.QUEUE_TIMEOUT]);
  });

  it('answers a waiting CreateSession with RESOURCE_EXHAUSTED when its wait expires', async () => {
    ub = await startUnitBroker(pool({ maxSessions: 1 }));
    await ub.client.createSession({});
    const waiting = errorOf(ub.client.createSession({ options: { queueTimeout: durationFromMs(2_000) } }));
    await flushAsync();
    ub.clock.advance(2_000);
    const e = await waiting;
    expect(e.code).toBe(Code.ResourceExhausted);
    expect(e.findDetails(ErrorInfoSchema)[0]).toMatchObject({
      reason: 'QUEUE_TIMEOUT',
      metadata: { queueLength: '1' },
    });
  });

  it('lets a deleted waiter leave the queue', async () => {
    ub = await startUnitBroker(pool({ maxSessions: 1 }));
    await ub.client.createSession({});
    const q = (await ub.client.createSession({ noWait: true })).session;
    await ub.client.deleteSession({ sessionId: q?.id ?? '' });
    await flushAsync();
    expect((await ub.client.getSession({ sessionId: q?.id ?? '' })).session?.state).toBe(SessionState.CLOSED);
    expect((await ub.client.getPool({ pool: 'default' })).pool?.queued).toBe(0);
  });

  it('returns the original session and token for a repeated request id', async () => {
    ub = await startUnitBroker(pool());
    const a = await ub.client.createSession({ requestId: 'once' });
    const b = await ub.client.createSession({ requestId: 'once' });
    expect(b.session?.id).toBe(a.session?.id);
    expect(b.token).toBe(a.token);
    expect((await ub.client.listSessions({})).sessions).toHaveLength(1);
  });

  it('fails the sessions of a crashed browser and replaces the browser', async () => {
    ub = await startUnitBroker(pool({ local: { prewarm: 1 } }));
    const s = (await ub.client.createSession({})).session;
    ub.fakes.crash(s?.browserId ?? '');
    await flushAsync();
    const failed = (await ub.client.getSession({ sessionId: s?.id ?? '' })).session;
    expect([failed?.state, failed?.closeReason, failed?.closeMessage]).toEqual([
      SessionState.FAILED,
      CloseReason.BROWSER_CRASHED,
      'browser process exited with signal SIGKILL',
    ]);
    const p = (await ub.client.getPool({ pool: 'default' })).pool;
    expect(p?.browsers.map((b) => b.id)).not.toContain(s?.browserId);
    expect(p?.warm).toBe(1);
    expect((await ub.client.createSession({})).session?.state).toBe(SessionState.READY);
  });

  it('ends a session FAILED/START_FAILED when no browser starts', async () => {
    ub = await startUnitBroker(pool());
    ub.fakes.failLaunches(1);
    const e = await errorOf(ub.client.createSession({}));
    expect(e.code).toBe(Code.Unavailable);
    const [s] = (await ub.client.listSessions({})).sessions;
    expect([s?.state, s?.closeReason]).toEqual([SessionState.FAILED, CloseReason.START_FAILED]);
    expect((await ub.client.getPool({ pool: 'default' })).pool?.inUse).toBe(0);
  });

  it('gives BROWSER sessions a dedicated browser that is stopped afterwards', async () => {
    ub = await startUnitBroker(pool({ local: { prewarm: 1 } }));
    const s = (await ub.client.createSession({ options: { isolation: Isolation.BROWSER } })).session;
    expect(s?.browserContextId).toBe('');
    await ub.client.deleteSession({ sessionId: s?.id ?? '' });
    await flushAsync();
    expect(ub.fakes.log.released).toContain(s?.browserId);
  });

  it('recycles a shared browser after its session quota', async () => {
    ub = await startUnitBroker(pool({ local: { prewarm: 0, recycleAfterSessions: 2 } }));
    const ids = [];
    for (let i = 0; i < 2; i++) ids.push((await ub.client.createSession({})).session);
    expect(ids[0]?.browserId).toBe(ids[1]?.browserId);
    for (const s of ids) await ub.client.deleteSession({ sessionId: s?.id ?? '' });
    await flushAsync();
    expect(ub.fakes.log.released).toEqual([ids[0]?.browserId]);
    expect((await ub.client.createSession({})).session?.browserId).not.toBe(ids[0]?.browserId);
  });

  it('drains a browser over its memory budget and stops it once empty', async () => {
    ub = await startUnitBroker(pool({ local: { prewarm: 0, memoryBudget: '1MiB' } }));
    const s = (await ub.client.createSession({})).session;
    ub.fakes.setMemory(s?.browserId ?? '', 2 * 1024 * 1024);
    ub.clock.advance(10_000); // the maintenance pass
    await flushAsync();
    const draining = (await ub.client.getPool({ pool: 'default' })).pool?.browsers[0];
    expect([draining?.id, draining?.state]).toEqual([s?.browserId, BrowserState.DRAINING]);
    expect((await ub.client.createSession({})).session?.browserId).not.toBe(s?.browserId);
    await ub.client.deleteSession({ sessionId: s?.id ?? '' });
    await flushAsync();
    expect(ub.fakes.log.released).toContain(s?.browserId);
  });
});

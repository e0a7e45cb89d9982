import { describe, expect, it } from 'vitest';
import { createLogger, createManualClock } from '@nightglow/runtime';
import { hasCode } from '../errors.js';
import { API_VERSION, RESOURCES } from '../kube/resources.js';
import { createFakeKube } from '../testing/fake-kube.js';
import { createFakeBroker, recordingEvents } from '../testing/fakes.js';
import { createSessionFollower } from './session-controller.js';
import { createSessionReconciler, SESSION_FINALIZER, type BrowserSession } from './session-reconciler.js';

async function setup(pool = 'default', opts: { watched?: boolean } = {}) {
  const api = createFakeKube();
  const broker = createFakeBroker();
  const events = recordingEvents();
  const clock = createManualClock(1_000);
  const logger = createLogger({ service: 'operator-test', level: 'silent' });
  const watch = opts.watched ? createSessionFollower({ broker, clock, logger }) : undefined;
  const woken: string[] = [];
  watch?.start((key) => woken.push(key));
  const reconcile = createSessionReconciler({ api, broker, clock, events, watch });
  await api.create(RESOURCES.browserSession, {
    apiVersion: API_VERSION,
    kind: 'BrowserSession',
    metadata: { name: 's', namespace: 'ns' },
    spec: { pool, ttl: '30m', startUrl: 'https://example.com' },
  });
  const read = (): BrowserSession | undefined =>
    api.find(RESOURCES.browserSession, { namespace: 'ns', name: 's' }) as BrowserSession | undefined;
  return { api, broker, events, reconcile, read, clock, watch, woken };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('BrowserSession reconciler', () => {
  it('creates one broker session keyed by the uid, keeps the token in an owned Secret, and follows it to Ready', async () => {
    const { api, broker, events, reconcile, read } = await setup();
    expect(await reconcile('ns/s')).toEqual({ requeueAfterMs: 1_000 });
    const s = read();
    expect(s?.metadata.finalizers).toEqual([SESSION_FINALIZER]);
    expect(broker.created).toEqual([
      expect.objectContaining({
        pool: 'default',
        requestId: s?.metadata.uid,
        ttl: '30m',
        startUrl: 'https://example.com',
      }),
    ]);
    expect(s?.status).toMatchObject({
      phase: 'Starting',
      sessionId: 's-1',
      cdpEndpoint: 'ws://broker/cdp/s-1',
      tokenSecretName: 's-token',
    });
    const secret = api.find(RESOURCES.secret, { namespace: 'ns', name: 's-token' });
    expect(secret?.['stringData']).toEqual({ token: 'token-s-1', sessionId: 's-1' });
    expect(secret?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'BrowserSession',
      uid: s?.metadata.uid,
      controller: true,
    });

    broker.set('s-1', { state: 'READY', expireTime: '2026-01-01T00:30:00.000Z' });
    expect(await reconcile('ns/s')).toEqual({ requeueAfterMs: 30_000 });
    expect(read()?.status).toMatchObject({
      phase: 'Ready',
      expireTime: '2026-01-01T00:30:00.000Z',
      observedGeneration: 1,
    });
    expect(read()?.status?.conditions?.[0]).toMatchObject({ type: 'Ready', status: 'True', observedGeneration: 1 });
    expect(events.lines).toContain('Ready: session is Ready');
    await reconcile('ns/s');
    expect(broker.created).toHaveLength(1);
  });

  it('closes the broker session on deletion, then releases the finalizer', async () => {
    const { api, broker, reconcile, read } = await setup();
    await reconcile('ns/s');
    await api.delete(RESOURCES.browserSession, { namespace: 'ns', name: 's' });
    expect(read()?.metadata.deletionTimestamp).toBeDefined();
    broker.down = true;
    await expect(reconcile('ns/s')).rejects.toSatisfy((e) => hasCode(e, 'UNAVAILABLE'));
    expect(read()).toBeDefined();
    broker.down = false;
    expect(await reconcile('ns/s')).toEqual({});
    expect(broker.deleted).toEqual(['s-1']);
    expect(read()).toBeUndefined();
    expect(await reconcile('ns/s')).toEqual({});
  });

  it('ends Failed with a reason, without retrying, when the pool does not exist', async () => {
    const { broker, reconcile, read } = await setup('nope');
    expect(await reconcile('ns/s')).toEqual({});
    expect(read()?.status).toMatchObject({ phase: 'Failed' });
    expect(read()?.status?.conditions?.[0]).toMatchObject({ status: 'False', reason: 'PoolNotFound' });
    expect(read()?.status?.message).toContain('pool "nope" not found');
    expect(await reconcile('ns/s')).toEqual({});
    expect(broker.created).toHaveLength(0);
  });

  it('follows WatchSessions without polling, and polls GetSession only while the stream is broken', async () => {
    const { broker, clock, reconcile, read, watch, woken } = await setup('default', { watched: true });
    let gets = 0;
    const getSession = broker.getSession;
    broker.getSession = (id) => {
      gets += 1;
      return getSession(id);
    };
    await reconcile('ns/s');
    // Not live yet: one GetSession, and a poll.
    expect(await reconcile('ns/s')).toEqual({ requeueAfterMs: 1_000 });
    expect(gets).toBe(1);
    await flush();
    expect(broker.streams.active('s-1')).toBe(1);
    const starting = broker.sessions.get('s-1');
    if (!starting) throw new Error('no session');
    broker.streams.push('s-1', { kind: 'value', value: starting });
    broker.streams.push('s-1', { kind: 'synced' });
    await flush();
    expect(woken).toContain('ns/s');
    broker.streams.push('s-1', { kind: 'value', value: { ...starting, state: 'READY' } });
    await flush();
    expect(await reconcile('ns/s')).toEqual({});
    expect(read()?.status?.phase).toBe('Ready');
    expect(gets).toBe(1);

    broker.streams.fail('s-1', new Error('broker WatchSessions: Unavailable: draining'));
    await flush();
    broker.set('s-1', { state: 'READY', expireTime: '2026-01-01T00:30:00.000Z' });
    expect(await reconcile('ns/s')).toEqual({ requeueAfterMs: 30_000 });
    expect(gets).toBe(2);
    expect(read()?.status?.expireTime).toBe('2026-01-01T00:30:00.000Z');

    clock.advance(500);
    await flush();
    expect(broker.streams.opens('s-1')).toBe(2);
    broker.streams.push('s-1', { kind: 'value', value: { ...starting, state: 'CLOSED', closeReason: 'TTL_EXPIRED' } });
    await flush();
    expect(await reconcile('ns/s')).toEqual({});
    expect(read()?.status).toMatchObject({ phase: 'Closed', closeReason: 'TTL_EXPIRED' });
    expect(gets).toBe(2);
    expect(watch?.size()).toBe(0);
    await watch?.stop();
  });

  it('retries an unreachable broker and stays Pending meanwhile', async () => {
    const { broker, reconcile, read } = await setup();
    broker.down = true;
    await expect(reconcile('ns/s')).rejects.toSatisfy((e) => hasCode(e, 'UNAVAILABLE'));
    expect(read()?.status).toBeUndefined();
  });
});

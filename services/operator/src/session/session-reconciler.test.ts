import { describe, expect, it } from 'vitest';
import { createManualClock } from '@nightglow/runtime';
import { hasCode } from '../errors.js';
import { API_VERSION, RESOURCES } from '../kube/resources.js';
import { createFakeKube } from '../testing/fake-kube.js';
import { createFakeBroker, recordingEvents } from '../testing/fakes.js';
import { createSessionReconciler, SESSION_FINALIZER, type BrowserSession } from './session-reconciler.js';

async function setup(pool = 'default') {
  const api = createFakeKube();
  const broker = createFakeBroker();
  const events = recordingEvents();
  const reconcile = createSessionReconciler({ api, broker, clock: createManualClock(1_000), events });
  await api.create(RESOURCES.browserSession, {
    apiVersion: API_VERSION,
    kind: 'BrowserSession',
    metadata: { name: 's', namespace: 'ns' },
    spec: { pool, ttl: '30m', startUrl: 'https://example.com' },
  });
  const read = (): BrowserSession | undefined =>
    api.find(RESOURCES.browserSession, { namespace: 'ns', name: 's' }) as BrowserSession | undefined;
  return { api, broker, events, reconcile, read };
}

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

  it('retries an unreachable broker and stays Pending meanwhile', async () => {
    const { broker, reconcile, read } = await setup();
    broker.down = true;
    await expect(reconcile('ns/s')).rejects.toSatisfy((e) => hasCode(e, 'UNAVAILABLE'));
    expect(read()?.status).toBeUndefined();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, systemClock } from '@nightglow/runtime';
import { hasCode } from '../errors.js';
import type { KubeApi, KubeObject } from '../kube/kube-api.js';
import { API_VERSION, RESOURCES } from '../kube/resources.js';
import { connectTestKube, createTestNamespace, eventually, installTestCrds } from '../testing/kube-env.js';
import { createOperatorIdentity, type OperatorIdentity } from '../testing/operator-identity.js';
import { createInformer, type Informer, type InformerEvent } from './informer.js';

// Fixtures are made as admin; the informers run as the chart's operator ServiceAccount.
const admin = connectTestKube();
const { api } = admin;
let op: OperatorIdentity;
const logger = createLogger({ service: 'operator-test', level: 'silent' });
let ns = '';

const session = (name: string): KubeObject => ({
  apiVersion: API_VERSION,
  kind: 'BrowserSession',
  metadata: { name, namespace: ns },
  spec: { pool: 'default' },
});

describe('informer on the real kube-apiserver', () => {
  const informers: Informer[] = [];
  beforeAll(async () => {
    await installTestCrds(api);
    ns = await createTestNamespace(api, 'informer');
    op = await createOperatorIdentity(admin, ns);
  });
  afterAll(async () => {
    await Promise.all(informers.map((i) => i.stop()));
    await op?.cleanup();
  });

  it('gets 410 Gone for a watch from a too-old resourceVersion', async () => {
    // Right after a CRD is established its watch cache is still initializing (429
    // "storage is (re)initializing"), so ask again until the cache answers.
    const err = await eventually(async () => {
      const abort = new AbortController();
      try {
        const events = op.api.watch(RESOURCES.browserSession, {
          namespace: ns,
          resourceVersion: '1',
          signal: abort.signal,
          timeoutSeconds: 1,
        });
        for await (const _ of events) break;
        return undefined;
      } catch (e) {
        return hasCode(e, 'GONE') ? e : undefined;
      } finally {
        abort.abort();
      }
    }, 'a 410 answer');
    expect(hasCode(err, 'GONE'), String(err)).toBe(true);
  });

  it('lists again after 410 Gone and keeps delivering events', async () => {
    await api.create(RESOURCES.browserSession, session('before'));
    let watches = 0;
    // The first watch starts from an expired resourceVersion, as after a long disconnect.
    const stale: KubeApi = {
      ...op.api,
      watch: (t, o) => op.api.watch(t, { ...o, resourceVersion: watches++ === 0 ? '1' : o.resourceVersion }),
    };
    const informer = createInformer({
      api: stale,
      type: RESOURCES.browserSession,
      clock: systemClock,
      logger,
      namespace: ns,
    });
    informers.push(informer);
    const events: InformerEvent[] = [];
    informer.onEvent((e) => events.push(e));
    informer.start();
    await informer.synced();
    await eventually(
      async () => (informer.stats.relistsOnGone >= 1 && informer.stats.lists >= 2 ? true : undefined),
      'a second list after 410',
    );
    expect(informer.stats.restarts).toBe(0);
    await api.create(RESOURCES.browserSession, session('after'));
    await eventually(async () => informer.get(`${ns}/after`), 'the new object in the cache');
    await api.delete(RESOURCES.browserSession, { namespace: ns, name: 'before' });
    await eventually(async () => (informer.get(`${ns}/before`) ? undefined : true), 'the deleted object gone');
    expect(events.filter((e) => e.object.metadata.name === 'before').map((e) => e.type)).toEqual(['add', 'delete']);
  });

  it('restarts with backoff after errors and re-delivers everything on resync', async () => {
    await api.create(RESOURCES.browserSession, session('resync-me'));
    let failLists = 2;
    const flaky: KubeApi = {
      ...op.api,
      list: (t, o) => (failLists-- > 0 ? Promise.reject(new Error('connection reset')) : op.api.list(t, o)),
    };
    const informer = createInformer({
      api: flaky,
      type: RESOURCES.browserSession,
      clock: systemClock,
      logger,
      namespace: ns,
      backoff: { baseMs: 20, maxMs: 100 },
      resyncMs: 200,
    });
    informers.push(informer);
    const resyncs: string[] = [];
    informer.onEvent((e) => e.type === 'resync' && resyncs.push(e.object.metadata.name ?? ''));
    informer.start();
    await informer.synced();
    expect(informer.stats.restarts).toBeGreaterThanOrEqual(2);
    await eventually(async () => (resyncs.includes('resync-me') ? true : undefined), 'a resync');
  });
});

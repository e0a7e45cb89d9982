import { durationFromMs } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError } from '@connectrpc/connect';
import {
  type Isolation,
  SessionEventType,
  SessionState,
  type WatchSessionsResponse,
} from '@nightglow/contracts/broker/v1';
import { BadRequestSchema, ResourceInfoSchema } from '@nightglow/contracts/google/rpc';
import { afterEach, describe, expect, it } from 'vitest';
import { flushAsync, startUnitBroker, type UnitBroker } from '../test-support/unit-broker.js';

let ub: UnitBroker | undefined;
afterEach(async () => {
  await ub?.close();
  ub = undefined;
});

const start = () => startUnitBroker({ pools: [{ name: 'default', local: { prewarm: 0 } }] });
const fail = async (p: Promise<unknown>): Promise<ConnectError> => {
  const e = await p.then(
    () => new Error('expected an error'),
    (x: unknown) => x,
  );
  if (!(e instanceof ConnectError)) throw e;
  return e;
};
const fields = (e: ConnectError) =>
  e.findDetails(BadRequestSchema).flatMap((d) => d.fieldViolations.map((v) => v.field));

describe('handlers: bad input', () => {
  it('answers NOT_FOUND for an unknown pool or session, naming the resource', async () => {
    ub = await start();
    const pool = await fail(ub.client.createSession({ pool: 'gpu' }));
    expect(pool.code).toBe(Code.NotFound);
    expect(pool.findDetails(ResourceInfoSchema)[0]).toMatchObject({ resourceType: 'pool', resourceName: 'gpu' });
    for (const call of [
      ub.client.getSession({ sessionId: 'nope' }),
      ub.client.touchSession({ sessionId: 'nope' }),
      ub.client.deleteSession({ sessionId: 'nope' }),
      ub.client.getPool({ pool: 'nope' }),
    ]) {
      expect((await fail(call)).code).toBe(Code.NotFound);
    }
  });

  it('answers INVALID_ARGUMENT with the bad fields named', async () => {
    ub = await start();
    const e = await fail(
      ub.client.createSession({
        options: { ttl: { seconds: -1n, nanos: 0 }, isolation: 9 as Isolation, startUrl: 'javascript:alert(1)' },
      }),
    );
    expect(e.code).toBe(Code.InvalidArgument);
    expect(fields(e)).toEqual(['options.isolation', 'options.ttl', 'options.start_url']);
    expect(fields(await fail(ub.client.getSession({ sessionId: '' })))).toEqual(['session_id']);
    expect(fields(await fail(ub.client.listSessions({ labelSelector: '!!' })))).toEqual(['label_selector']);
    expect(fields(await fail(ub.client.listSessions({ states: [42 as SessionState] })))).toEqual(['states']);
    expect(fields(await fail(ub.client.touchSession({ sessionId: 'x', extendBy: durationFromMs(-5) })))).toEqual([
      'extend_by',
    ]);
    expect(fields(await fail(ub.client.deleteSession({ sessionId: 'x', reason: 'r'.repeat(300) })))).toEqual([
      'reason',
    ]);
    expect(fields(await fail(ub.client.getPool({ pool: '' })))).toEqual(['pool']);
  });
});

describe('handlers: watch and pools', () => {
  it('sends snapshots, SYNCED, then live events of matching sessions only', async () => {
    ub = await start();
    const existing = (await ub.client.createSession({ labels: { team: 'a' } })).session;
    await ub.client.createSession({ labels: { team: 'b' } });
    const abort = new AbortController();
    const seen: WatchSessionsResponse[] = [];
    const stream = ub.client.watchSessions(
      { labelSelector: 'team=a', sendInitialState: true },
      { signal: abort.signal },
    );
    const reading = (async () => {
      for await (const m of stream) {
        seen.push(m);
        if (m.event?.session?.state === SessionState.CLOSED) abort.abort();
      }
    })().catch(() => undefined);
    await flushAsync();
    await ub.client.deleteSession({ sessionId: existing?.id ?? '' });
    await reading;
    expect(
      seen.map((m) => `${SessionEventType[m.event?.type ?? 0]}:${SessionState[m.event?.session?.state ?? 0]}`),
    ).toEqual(['SNAPSHOT:READY', 'SYNCED:UNSPECIFIED', 'STATE_CHANGED:CLOSING', 'STATE_CHANGED:CLOSED']);
    expect(seen[2]?.event?.previousState).toBe(SessionState.READY);
  });

  it('lists pools with capacity figures and shows browsers in GetPool', async () => {
    ub = await start();
    await ub.client.createSession({});
    const [p] = (await ub.client.listPools({})).pools;
    expect(p).toMatchObject({
      name: 'default',
      maxSessions: 10,
      inUse: 1,
      queued: 0,
      sessionsPerBrowser: 5,
      browsers: [],
    });
    const full = (await ub.client.getPool({ pool: 'default' })).pool;
    expect(full?.browsers.map((b) => [b.sessionCount, b.maxSessions])).toEqual([[1, 5]]);
  });
});

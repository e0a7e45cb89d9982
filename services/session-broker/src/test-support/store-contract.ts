/**
 * Test support: the contract every state backend keeps (see `store/port.ts`),
 * run against the in-memory backend (unit) and real Redis (integration).
 */
import { describe, expect, it } from 'vitest';
import { BUILTIN_DEFAULTS } from '../pools/pool-config.js';
import type { SessionRecord } from '../sessions/record.js';
import type { SessionChange, StateBackend } from '../store/port.js';

/** A minimal valid record. */
export function sampleRecord(id: string, over: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id,
    pool: 'default',
    state: 'READY',
    version: 1,
    ownerId: 'replica-a',
    ownerAddress: '127.0.0.1:1',
    cdpEndpoint: `ws://127.0.0.1:1/cdp/${id}`,
    browserId: 'local-1',
    browserContextId: 'CTX',
    pageTargetId: 'T',
    sidecarAddress: '',
    createTimeMs: 1_000,
    readyTimeMs: 1_100,
    expireTimeMs: 601_000,
    lastActivityMs: 1_100,
    closeTimeMs: 0,
    maxTtlMs: 0,
    labels: { team: 'search' },
    requestedOptions: {},
    effective: BUILTIN_DEFAULTS,
    requestId: '',
    queuePosition: 0,
    closeReason: '',
    closeMessage: '',
    ...over,
  };
}

/** Registers the contract tests for a backend made fresh by `make` (and closed after each test). */
export function describeStoreContract(name: string, make: () => Promise<StateBackend>): void {
  const withBackend = (fn: (b: StateBackend) => Promise<void>) => async () => {
    const b = await make();
    try {
      await fn(b);
    } finally {
      await b.close();
    }
  };
  describe(`${name} state backend`, () => {
    it(
      'stores, finds by request id, lists and forgets sessions',
      withBackend(async (b) => {
        await b.sessions.insert(sampleRecord('s1', { requestId: 'req-1' }));
        await b.sessions.insert(sampleRecord('s2'));
        await expect(b.sessions.insert(sampleRecord('s1'))).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
        await expect(b.sessions.insert(sampleRecord('s3', { requestId: 'req-1' }))).rejects.toMatchObject({
          code: 'ALREADY_EXISTS',
        });
        expect((await b.sessions.get('s1'))?.labels).toEqual({ team: 'search' });
        expect((await b.sessions.findByRequestId('req-1'))?.id).toBe('s1');
        expect((await b.sessions.list()).map((r) => r.id).sort()).toEqual(['s1', 's2']);
        await b.sessions.remove('s1');
        expect(await b.sessions.get('s1')).toBeUndefined();
        expect(await b.sessions.findByRequestId('req-1')).toBeUndefined();
        expect((await b.sessions.list()).map((r) => r.id)).toEqual(['s2']);
      }),
    );

    it(
      'updates with compare-and-set: concurrent writers lose nothing',
      withBackend(async (b) => {
        await b.sessions.insert(sampleRecord('c', { lastActivityMs: 0 }));
        const bump = () => b.sessions.update('c', (cur) => ({ ...cur, lastActivityMs: cur.lastActivityMs + 1 }));
        await Promise.all(Array.from({ length: 20 }, bump));
        const after = await b.sessions.get('c');
        expect(after?.lastActivityMs).toBe(20);
        expect(after?.version).toBe(21);
        const unchanged = await b.sessions.update('c', () => undefined);
        expect(unchanged?.changed).toBe(false);
        expect(await b.sessions.update('missing', (cur) => cur)).toBeUndefined();
      }),
    );

    it(
      'fans changes out to subscribers',
      withBackend(async (b) => {
        const seen: SessionChange[] = [];
        const off = b.sessions.subscribe((c) => seen.push(c));
        const change: SessionChange = {
          type: 'CREATED',
          session: sampleRecord('e'),
          previousState: 'READY',
          timeMs: 5,
        };
        await b.sessions.publish(change);
        for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
        expect(seen).toEqual([change]);
        off();
      }),
    );

    it(
      'shares one token secret and one lease holder',
      withBackend(async (b) => {
        const secret = await b.sessions.tokenSecret();
        expect(secret.byteLength).toBeGreaterThanOrEqual(16);
        expect((await b.sessions.tokenSecret()).equals(secret)).toBe(true);
        expect(await b.lease.tryAcquire('a', 10_000)).toBe(true);
        expect(await b.lease.tryAcquire('b', 10_000)).toBe(false);
        expect(await b.lease.tryAcquire('a', 10_000)).toBe(true);
        await b.lease.release('a');
        expect(await b.lease.tryAcquire('b', 10_000)).toBe(true);
        await b.replicas.heartbeat('r1', 10_000);
        expect(await b.replicas.isAlive('r1')).toBe(true);
        expect(await b.replicas.isAlive('r2')).toBe(false);
        await b.replicas.leave('r1');
        expect(await b.replicas.isAlive('r1')).toBe(false);
      }),
    );

    it(
      'keeps pool-wide seats and one FIFO queue per pool, frees the entries of gone replicas',
      withBackend(async (b) => {
        const freed: string[] = [];
        const off = b.seats.onFreed((pool) => freed.push(pool));
        await b.replicas.heartbeat('r1', 60_000);
        await b.replicas.heartbeat('r2', 60_000);
        const ask = (id: string, replicaId: string, mayQueue = true) =>
          b.seats.admit({ pool: 'p', id, replicaId, maxSeats: 2, maxQueued: 2, mayQueue });
        expect(await ask('s1', 'r1')).toEqual({ kind: 'granted', queueLength: 0 });
        expect(await ask('s2', 'r2')).toEqual({ kind: 'granted', queueLength: 0 });
        expect(await ask('s1', 'r1')).toEqual({ kind: 'granted', queueLength: 0 }); // idempotent
        expect(await ask('x', 'r1', false)).toEqual({ kind: 'refused', reason: 'NO_WAIT', queueLength: 0 });
        expect(await ask('s3', 'r2')).toEqual({ kind: 'queued', position: 1, queueLength: 1 });
        expect(await ask('s4', 'r1')).toEqual({ kind: 'queued', position: 2, queueLength: 2 });
        expect(await ask('s5', 'r1')).toEqual({ kind: 'refused', reason: 'QUEUE_FULL', queueLength: 2 });
        await b.seats.release('p', 's1');
        expect(await ask('s4', 'r1')).toEqual({ kind: 'queued', position: 2, queueLength: 2 }); // not its turn
        expect(await ask('s3', 'r2')).toEqual({ kind: 'granted', queueLength: 1 });
        expect(await b.seats.figures('p')).toEqual({ inUse: 2, queued: 1 });
        expect(await b.seats.figures('other')).toEqual({ inUse: 0, queued: 0 });
        // r2 is gone (no heartbeat): a sweep by r1 frees s2 and s3; s4 (r1's, known) stays queued.
        await b.replicas.leave('r2');
        expect(await b.seats.sweep('p', 'r1', ['s4'])).toEqual({ inUse: 0, queued: 1 });
        expect(await ask('s4', 'r1')).toEqual({ kind: 'granted', queueLength: 0 });
        // An entry r1 holds but no longer knows (a lost release) is freed by r1's own sweep.
        expect(await b.seats.sweep('p', 'r1', [])).toEqual({ inUse: 0, queued: 0 });
        for (let i = 0; i < 100 && freed.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
        expect(freed).toEqual(['p', 'p', 'p']);
        off();
      }),
    );
  });
}

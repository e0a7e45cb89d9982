/**
 * Shared integration suite, part 3: IngestEvents validation, the auth matrix
 * (no key, revoked, expired, too low a role), and API key management.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { createHash } from 'node:crypto';
import { durationFromMs, TimestampSchema } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError } from '@connectrpc/connect';
import { EnvelopeSchema } from '@nightglow/contracts/events/v1';
import { BadRequestSchema } from '@nightglow/contracts/google/rpc';
import { Role } from '@nightglow/contracts/records/v1';
import type { RecordDb } from '../db/port.js';
import { externalEvent } from './signal-fixtures.js';
import { ADMIN_KEY, startHarness, type Harness } from './harness.js';

function failure(e: unknown): { code: Code; fields: string[] } {
  const err = ConnectError.from(e);
  const fields = err.findDetails(BadRequestSchema).flatMap((d) => d.fieldViolations.map((v) => v.field));
  return { code: err.code, fields };
}

/** Defines the API suite over databases made by `open`. */
export function apiSuite(open: () => Promise<RecordDb>): void {
  describe('IngestEvents and auth', () => {
    let h: Harness;
    let reader: string;
    let writer: string;
    beforeAll(async () => {
      h = await startHarness(await open());
      const admin = h.client(ADMIN_KEY);
      reader = (await admin.createApiKey({ name: 'reader-1', role: Role.READER })).key;
      writer = (await admin.createApiKey({ name: 'ci-pipeline', role: Role.WRITER })).key;
    });
    afterAll(async () => {
      await h.close();
      await h.db.close();
    });

    it('refuses a missing type and a bad timestamp with BadRequest fields naming events[i]', async () => {
      const noType = create(EnvelopeSchema, { ...externalEvent('ci.x', h.clock.now()), type: '' });
      const badTime = create(EnvelopeSchema, {
        ...externalEvent('ci.y', h.clock.now()),
        time: create(TimestampSchema, { seconds: 1n, nanos: -5 }),
      });
      const noTime = create(EnvelopeSchema, { ...externalEvent('ci.z', h.clock.now()), time: undefined });
      const e = await h
        .client(writer)
        .ingestEvents({ events: [externalEvent('ci.ok', h.clock.now()), noType, badTime, noTime] })
        .catch((x: unknown) => x);
      expect(failure(e)).toEqual({
        code: Code.InvalidArgument,
        fields: ['events[1].type', 'events[2].time', 'events[3].time'],
      });
      const reserved = externalEvent('ci.ok', h.clock.now());
      reserved.type = 'task.succeeded';
      expect(
        failure(
          await h
            .client(writer)
            .ingestEvents({ events: [reserved] })
            .catch((x: unknown) => x),
        ).fields,
      ).toEqual(['events[0].type']);
      expect(
        failure(
          await h
            .client(writer)
            .ingestEvents({ events: [] })
            .catch((x: unknown) => x),
        ).fields,
      ).toEqual(['events']);
    });

    it('stores valid events, counts duplicates, assigns ids, and reports errors with allow_partial', async () => {
      const given = externalEvent('ci.deploy.done', h.clock.now());
      const noId = create(EnvelopeSchema, {
        ...externalEvent('ci.deploy.done', h.clock.now()),
        eventId: '',
        source: undefined,
      });
      const bad = create(EnvelopeSchema, { ...externalEvent('ci.deploy.done', h.clock.now()), type: 'Not Valid' });
      const r = await h.client(writer).ingestEvents({ events: [given, noId, bad], allowPartial: true });
      expect(r.acceptedCount).toBe(2);
      expect(r.errors.map((x) => [x.index, x.field])).toEqual([[2, 'type']]);
      expect(r.eventIds[0]).toBe(given.eventId);
      expect(r.eventIds[1]).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.eventIds[2]).toBe('');
      const again = await h.client(writer).ingestEvents({ events: [given] });
      expect([again.acceptedCount, again.duplicateCount]).toEqual([0, 1]);
      const stored = await h.client(reader).listEvents({ types: ['ci.deploy.done'] });
      expect(stored.events.map((e) => e.envelope?.source?.service).sort()).toEqual(['ci', 'ci-pipeline']);
    });

    it('answers UNAUTHENTICATED without a key, with an unknown key, a revoked key and an expired key', async () => {
      expect(
        failure(
          await h
            .client()
            .listEvents({})
            .catch((x: unknown) => x),
        ).code,
      ).toBe(Code.Unauthenticated);
      expect(
        failure(
          await h
            .client('ngk_nope')
            .listEvents({})
            .catch((x: unknown) => x),
        ).code,
      ).toBe(Code.Unauthenticated);
      const admin = h.client(ADMIN_KEY);
      const doomed = await admin.createApiKey({ name: 'doomed', role: Role.ADMIN });
      await h.client(doomed.key).listEvents({});
      await admin.revokeApiKey({ apiKeyId: doomed.apiKey?.id ?? '' });
      expect(
        failure(
          await h
            .client(doomed.key)
            .listEvents({})
            .catch((x: unknown) => x),
        ).code,
      ).toBe(Code.Unauthenticated);
      const brief = await admin.createApiKey({ name: 'brief', role: Role.READER, ttl: durationFromMs(60_000) });
      await h.client(brief.key).listEvents({});
      h.clock.advance(61_000);
      expect(
        failure(
          await h
            .client(brief.key)
            .listEvents({})
            .catch((x: unknown) => x),
        ).code,
      ).toBe(Code.Unauthenticated);
      const stream = h.client().watchEvents({});
      expect(
        failure(
          await stream[Symbol.asyncIterator]()
            .next()
            .catch((x: unknown) => x),
        ).code,
      ).toBe(Code.Unauthenticated);
    });

    it('answers PERMISSION_DENIED when the role is too low, on every kind of RPC', async () => {
      const denied = async (p: Promise<unknown>) =>
        failure(
          await p.then(
            () => undefined,
            (x: unknown) => x,
          ),
        ).code;
      const event = externalEvent('ci.x.y', h.clock.now());
      expect(await denied(h.client(reader).ingestEvents({ events: [event] }))).toBe(Code.PermissionDenied);
      expect(await denied(h.client(reader).acknowledgeAlert({ fingerprint: 'x' }))).toBe(Code.PermissionDenied);
      expect(await denied(h.client(writer).createApiKey({ name: 'sneaky', role: Role.ADMIN }))).toBe(
        Code.PermissionDenied,
      );
      expect(await denied(h.client(writer).listApiKeys({}))).toBe(Code.PermissionDenied);
      expect(await denied(h.client(reader).revokeApiKey({ apiKeyId: 'x' }))).toBe(Code.PermissionDenied);
      expect((await h.client(reader).listAlerts({})).alerts).toBeDefined();
      expect((await h.client(writer).ingestEvents({ events: [event] })).acceptedCount).toBe(1);
    });

    it('manages keys: the raw key once, names unique among active keys, newest first, revoke idempotent', async () => {
      const admin = h.client(ADMIN_KEY);
      const created = await admin.createApiKey({ name: 'dash', role: Role.READER, description: 'grafana' });
      expect(created.key).toMatch(/^ngk_/);
      expect(created.apiKey?.prefix).toBe(created.key.slice(0, 10));
      expect(created.apiKey?.createdBy).toBe('bootstrap-admin');
      const dup = await admin.createApiKey({ name: 'dash', role: Role.READER }).catch((x: unknown) => x);
      expect(failure(dup).code).toBe(Code.AlreadyExists);
      const bad = await admin.createApiKey({ name: 'Bad Name', role: Role.UNSPECIFIED }).catch((x: unknown) => x);
      expect(failure(bad).fields).toEqual(['name', 'role']);
      const list = await admin.listApiKeys({});
      expect(list.apiKeys[0]?.name).toBe('dash');
      expect(list.apiKeys.map((k) => k.name)).not.toContain('doomed');
      const withRevoked = await admin.listApiKeys({ includeRevoked: true, pageSize: 2 });
      expect(withRevoked.nextPageToken).not.toBe('');
      const once = await admin.revokeApiKey({ apiKeyId: created.apiKey?.id ?? '' });
      const twice = await admin.revokeApiKey({ apiKeyId: created.apiKey?.id ?? '' });
      expect(twice.apiKey?.revokeTime).toEqual(once.apiKey?.revokeTime);
      const stored = await h.db.query<{ hash: Uint8Array; prefix: string }>(
        'SELECT hash, prefix FROM api_keys WHERE id = $1',
        [created.apiKey?.id],
      );
      expect(Buffer.from(stored.rows[0]?.hash ?? []).toString('hex')).toBe(
        createHash('sha256').update(created.key).digest('hex'),
      );
      expect(stored.rows[0]?.prefix).not.toBe(created.key);
    });
  });
}

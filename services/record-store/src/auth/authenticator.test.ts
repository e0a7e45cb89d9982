import { describe, expect, it } from 'vitest';
import { RecordStore, Role } from '@nightglow/contracts/records/v1';
import { createManualClock } from '@nightglow/runtime';
import type { Queryable } from '../db/port.js';
import { RecordStoreError } from '../errors.js';
import { createAuthenticator } from './authenticator.js';
import { hashKey } from './key-material.js';
import { authorize, REQUIRED_ROLE } from './roles.js';

type Row = {
  id: string;
  name: string;
  role: Role;
  hash: Buffer;
  revoke_ms: number | null;
  expire_ms: number | null;
  last_use_ms: number | null;
};

function fakeDb(rows: Row[]): Queryable & { updates: number } {
  const db = {
    updates: 0,
    query: async (sql: string, params: readonly unknown[] = []) => {
      if (sql.startsWith('UPDATE')) {
        db.updates++;
        return { rows: [], rowCount: 1 };
      }
      const hash = params[0] as Buffer;
      const found = rows.filter((r) => r.hash.equals(hash));
      return { rows: found as never[], rowCount: found.length };
    },
  };
  return db;
}

const code = async (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (e: unknown) => (e instanceof RecordStoreError ? e.code : 'OTHER'),
  );

describe('authenticator', () => {
  const clock = createManualClock(1_000_000);
  const rows: Row[] = [
    {
      id: 'k1',
      name: 'reader',
      role: Role.READER,
      hash: hashKey('ngk_reader'),
      revoke_ms: null,
      expire_ms: null,
      last_use_ms: null,
    },
    {
      id: 'k2',
      name: 'gone',
      role: Role.ADMIN,
      hash: hashKey('ngk_gone'),
      revoke_ms: 5,
      expire_ms: null,
      last_use_ms: null,
    },
    {
      id: 'k3',
      name: 'old',
      role: Role.ADMIN,
      hash: hashKey('ngk_old'),
      revoke_ms: null,
      expire_ms: 999_999,
      last_use_ms: null,
    },
  ];
  const db = fakeDb(rows);
  const auth = createAuthenticator({
    db,
    clock,
    disabled: false,
    bootstrapAdminKey: 'boot-strap-admin-key-0123456789',
  });

  it('refuses a missing, malformed, unknown, revoked or expired key as UNAUTHENTICATED', async () => {
    expect(await code(auth.authenticate(null))).toBe('UNAUTHENTICATED');
    expect(await code(auth.authenticate('Basic abc'))).toBe('UNAUTHENTICATED');
    expect(await code(auth.authenticate('Bearer ngk_unknown'))).toBe('UNAUTHENTICATED');
    expect(await code(auth.authenticate('Bearer ngk_gone'))).toBe('UNAUTHENTICATED');
    expect(await code(auth.authenticate('Bearer ngk_old'))).toBe('UNAUTHENTICATED');
  });

  it('knows the bootstrap admin and database keys, and stamps last use', async () => {
    expect(await auth.authenticate('Bearer boot-strap-admin-key-0123456789')).toMatchObject({
      name: 'bootstrap-admin',
      role: Role.ADMIN,
    });
    expect(await auth.authenticate('bearer   ngk_reader')).toEqual({ keyId: 'k1', name: 'reader', role: Role.READER });
    expect(db.updates).toBe(1);
  });

  it('lets everyone in as admin only when disabled', async () => {
    const open = createAuthenticator({ db, clock, disabled: true, bootstrapAdminKey: undefined });
    expect((await open.authenticate(null)).role).toBe(Role.ADMIN);
  });
});

describe('role table', () => {
  it('covers every RecordStore RPC', () => {
    expect(Object.keys(REQUIRED_ROLE).sort()).toEqual(RecordStore.methods.map((m) => m.name).sort());
  });

  it('allows each role exactly what it should', () => {
    const allowed = (role: Role) =>
      Object.keys(REQUIRED_ROLE).filter((m) => {
        try {
          authorize({ keyId: 'k', name: 'k', role }, m);
          return true;
        } catch {
          return false;
        }
      });
    expect(allowed(Role.READER).sort()).toEqual(
      [
        'GetArtifact',
        'GetTaskRecord',
        'ListAlerts',
        'ListEvents',
        'ListTaskRecords',
        'QueryMeasurements',
        'WatchEvents',
      ].sort(),
    );
    expect(allowed(Role.WRITER)).toHaveLength(10);
    expect(allowed(Role.WRITER)).toContain('IngestEvents');
    expect(allowed(Role.ADMIN)).toHaveLength(13);
    expect(allowed(Role.UNSPECIFIED)).toEqual([]);
    expect(() => authorize({ keyId: 'k', name: 'k', role: Role.ADMIN }, 'Unknown')).toThrow(/needs/);
  });
});

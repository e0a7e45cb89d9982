/**
 * Turning an `authorization: Bearer <key>` header into a Principal. Order:
 * auth disabled (every caller is the `anonymous` ADMIN — the embedded
 * all-in-one only); the bootstrap admin key from config; an API key in the
 * database (unknown, revoked or expired → UNAUTHENTICATED). Successful use
 * stamps `last_use_time` at most once a minute, off the request path.
 */
import { Role } from '@nightglow/contracts/records/v1';
import type { Clock } from '@nightglow/runtime';
import type { Queryable } from '../db/port.js';
import { RecordStoreError } from '../errors.js';
import { findKeyByHash } from './api-keys.js';
import { bearer, hashKey, sameHash } from './key-material.js';
import type { Principal } from './roles.js';

/** Options of {@link createAuthenticator}. */
export type AuthenticatorOptions = {
  readonly db: Queryable;
  readonly clock: Clock;
  /** `AUTH_DISABLED=true`: everyone is admin. */
  readonly disabled: boolean;
  /** `ADMIN_API_KEY`: a raw key that is always ADMIN (named `bootstrap-admin`). */
  readonly bootstrapAdminKey: string | undefined;
};

/** Authenticates callers. */
export type Authenticator = { authenticate(header: string | null): Promise<Principal> };

const ANONYMOUS: Principal = { keyId: undefined, name: 'anonymous', role: Role.ADMIN };
const BOOTSTRAP: Principal = { keyId: undefined, name: 'bootstrap-admin', role: Role.ADMIN };

function unauthenticated(message: string): RecordStoreError {
  return new RecordStoreError('UNAUTHENTICATED', message);
}

/** Creates the authenticator (see the module comment). */
export function createAuthenticator(opts: AuthenticatorOptions): Authenticator {
  const bootstrapHash = opts.bootstrapAdminKey === undefined ? undefined : hashKey(opts.bootstrapAdminKey);
  const stamp = (id: string, nowMs: number): void => {
    void opts.db
      .query(
        `UPDATE api_keys SET last_use_time = to_timestamp($2 / 1000.0)
         WHERE id = $1 AND (last_use_time IS NULL OR last_use_time < to_timestamp($2 / 1000.0) - interval '1 minute')`,
        [id, nowMs],
      )
      .catch(() => undefined);
  };
  return {
    authenticate: async (header) => {
      if (opts.disabled) return ANONYMOUS;
      const raw = bearer(header);
      if (raw === undefined) throw unauthenticated('missing API key: send `authorization: Bearer <key>`');
      const hash = hashKey(raw);
      if (bootstrapHash && sameHash(hash, bootstrapHash)) return BOOTSTRAP;
      const row = await findKeyByHash(opts.db, hash);
      if (!row || !sameHash(hash, row.hash)) throw unauthenticated('unknown API key');
      const nowMs = opts.clock.now();
      if (row.revoke_ms !== null) throw unauthenticated('API key revoked');
      if (row.expire_ms !== null && Number(row.expire_ms) <= nowMs) throw unauthenticated('API key expired');
      const lastUse = row.last_use_ms === null ? undefined : Number(row.last_use_ms);
      if (lastUse === undefined || nowMs - lastUse > 60_000) stamp(row.id, nowMs);
      return { keyId: row.id, name: row.name, role: row.role as Role };
    },
  };
}

/**
 * API keys in the database: create (the raw key is returned once; only its
 * hash is stored), list (newest first), revoke, and look up by presented key.
 */
import { create } from '@bufbuild/protobuf';
import { durationMs, timestampFromMs } from '@bufbuild/protobuf/wkt';
import { ApiKeySchema, Role, type ApiKey, type CreateApiKeyRequest } from '@nightglow/contracts/records/v1';
import { v7 as uuidv7 } from 'uuid';
import { decodeCursor, encodeCursor, filterKey } from '../cursor.js';
import type { Queryable } from '../db/port.js';
import { isoUs, ms, optMs, pageSize } from '../db/sql.js';
import { invalid, missing, RecordStoreError, type FieldProblem } from '../errors.js';
import { isUuid } from '../ingest/event-rows.js';
import { newKey } from './key-material.js';

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const COLUMNS = `id::text AS id, name, role, description, prefix, hash, created_by, ${ms('create_time')} AS create_ms,
  ${ms('expire_time')} AS expire_ms, ${ms('last_use_time')} AS last_use_ms, ${ms('revoke_time')} AS revoke_ms,
  ${isoUs('create_time')} AS create_us`;

/** A key row. */
export type KeyRow = {
  id: string;
  name: string;
  role: number;
  description: string;
  prefix: string;
  hash: Uint8Array;
  created_by: string;
  create_ms: number;
  expire_ms: number | null;
  last_use_ms: number | null;
  revoke_ms: number | null;
  create_us: string;
};

/** The ApiKey message of a row (never the secret). */
export function toApiKey(r: KeyRow): ApiKey {
  const opt = (v: number | null) => (optMs(v) === undefined ? undefined : timestampFromMs(Number(v)));
  return create(ApiKeySchema, {
    id: r.id,
    name: r.name,
    role: r.role,
    description: r.description,
    prefix: r.prefix,
    createdBy: r.created_by,
    createTime: timestampFromMs(Number(r.create_ms)),
    ...(opt(r.expire_ms) ? { expireTime: opt(r.expire_ms) } : {}),
    ...(opt(r.last_use_ms) ? { lastUseTime: opt(r.last_use_ms) } : {}),
    ...(opt(r.revoke_ms) ? { revokeTime: opt(r.revoke_ms) } : {}),
  });
}

/** Creates a key; ALREADY_EXISTS when an unrevoked key has the name. */
export async function createApiKey(
  db: Queryable,
  req: CreateApiKeyRequest,
  ctx: { readonly createdBy: string; readonly nowMs: number },
): Promise<{ apiKey: ApiKey; key: string }> {
  const problems: FieldProblem[] = [];
  if (!NAME.test(req.name)) problems.push({ field: 'name', description: 'must match [a-z0-9][a-z0-9-]{0,62}' });
  if (req.role === Role.UNSPECIFIED || Role[req.role] === undefined)
    problems.push({ field: 'role', description: 'is required' });
  const ttlMs = req.ttl ? durationMs(req.ttl) : undefined;
  if (ttlMs !== undefined && ttlMs <= 0) problems.push({ field: 'ttl', description: 'must be positive' });
  if (problems.length > 0) throw invalid(problems);
  const k = newKey();
  try {
    const r = await db.query<KeyRow>(
      `INSERT INTO api_keys (id, name, role, description, prefix, hash, created_by, create_time, expire_time)
       VALUES ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8 / 1000.0), to_timestamp($9 / 1000.0)) RETURNING ${COLUMNS}`,
      [
        uuidv7(),
        req.name,
        req.role,
        req.description,
        k.prefix,
        k.hash,
        ctx.createdBy,
        ctx.nowMs,
        ttlMs === undefined ? null : ctx.nowMs + ttlMs,
      ],
    );
    return { apiKey: toApiKey(r.rows[0] as KeyRow), key: k.raw };
  } catch (e) {
    if ((e as { code?: string }).code === '23505') {
      throw new RecordStoreError('ALREADY_EXISTS', `an active API key named ${req.name} exists`, { cause: e });
    }
    throw e;
  }
}

/** Keys, newest first; revoked and expired ones only with `includeRevoked`. */
export async function listApiKeys(
  db: Queryable,
  req: { includeRevoked: boolean; pageSize: number; pageToken: string },
  nowMs: number,
): Promise<{ apiKeys: ApiKey[]; nextPageToken: string }> {
  const limit = pageSize(req.pageSize, 50, 1000);
  const fk = filterKey({ includeRevoked: req.includeRevoked });
  const cursor = decodeCursor(req.pageToken, fk);
  const where: string[] = [];
  const values: unknown[] = [];
  if (!req.includeRevoked) {
    values.push(nowMs);
    where.push(`revoke_time IS NULL AND (expire_time IS NULL OR expire_time > to_timestamp($1 / 1000.0))`);
  }
  if (cursor) {
    values.push(String(cursor[0]), String(cursor[1]));
    where.push(`(create_time, id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`);
  }
  const r = await db.query<KeyRow>(
    `SELECT ${COLUMNS} FROM api_keys ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY create_time DESC, id DESC LIMIT ${limit + 1}`,
    values,
  );
  const rows = r.rows.slice(0, limit);
  const last = rows.at(-1);
  return {
    apiKeys: rows.map(toApiKey),
    nextPageToken: r.rows.length > limit && last ? encodeCursor(fk, [last.create_us, last.id]) : '',
  };
}

/** Revokes a key at once; revoking a revoked key returns it unchanged. */
export async function revokeApiKey(db: Queryable, id: string, nowMs: number): Promise<ApiKey> {
  if (!isUuid(id)) throw missing('ApiKey', id);
  await db.query('UPDATE api_keys SET revoke_time = to_timestamp($2 / 1000.0) WHERE id = $1 AND revoke_time IS NULL', [
    id,
    nowMs,
  ]);
  const r = await db.query<KeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1`, [id]);
  if (!r.rows[0]) throw missing('ApiKey', id);
  return toApiKey(r.rows[0]);
}

/** The row whose hash is `hash`, or undefined. */
export async function findKeyByHash(db: Queryable, hash: Uint8Array): Promise<KeyRow | undefined> {
  const r = await db.query<KeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE hash = $1`, [hash]);
  return r.rows[0];
}

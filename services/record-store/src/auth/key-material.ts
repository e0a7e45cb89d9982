/**
 * Raw API keys and their hashes. A key is `ngk_` + 32 random bytes
 * (base64url): high entropy, so one unsalted SHA-256 is a safe verifier, and
 * hashes are compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new raw key, its display prefix and its hash. */
export function newKey(): { raw: string; prefix: string; hash: Buffer } {
  const raw = `ngk_${randomBytes(32).toString('base64url')}`;
  return { raw, prefix: raw.slice(0, 10), hash: hashKey(raw) };
}

/** SHA-256 of a raw key. */
export function hashKey(raw: string): Buffer {
  return createHash('sha256').update(raw, 'utf8').digest();
}

/** Constant-time equality of two hashes. */
export function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}

/** The key of an `authorization: Bearer <key>` header value, or undefined. */
export function bearer(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

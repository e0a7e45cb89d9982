/**
 * The CDP gateway's shared-secret check. The secret may come as the
 * `x-nightglow-cdp-secret` header, as `Authorization: Bearer <secret>`, or as a
 * `token` query parameter (for clients that cannot set headers on a
 * WebSocket). Compared in constant time over SHA-256 digests, so neither the
 * content nor the length leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The header carrying the secret. */
export const SECRET_HEADER = 'x-nightglow-cdp-secret';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The credential a request presents, or undefined. */
export function presentedSecret(headers: IncomingHttpHeaders, url: URL): string | undefined {
  const header = headers[SECRET_HEADER];
  if (typeof header === 'string' && header !== '') return header;
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice('Bearer '.length);
  return url.searchParams.get('token') ?? undefined;
}

/** A checker bound to the configured secret. */
export type SecretCheck = (presented: string | undefined) => boolean;

/** Creates a constant-time checker for `secret` (which must not be empty). */
export function createSecretCheck(secret: string): SecretCheck {
  if (secret === '') throw new Error('the CDP gateway secret must not be empty');
  const expected = digest(secret);
  return (presented) => presented !== undefined && timingSafeEqual(digest(presented), expected);
}

/** Headers to forward upstream: without the credential, the browser-visible origin or the client's host. */
export function forwardHeaders(headers: IncomingHttpHeaders, upstreamHost: string): string[] {
  const lines: string[] = [`Host: ${upstreamHost}`];
  for (const [name, value] of Object.entries(headers)) {
    if (['host', 'origin', 'authorization', SECRET_HEADER].includes(name) || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
  }
  return lines;
}

/** `url` without the `token` query parameter (never forwarded to the browser). */
export function withoutToken(url: URL): string {
  const clean = new URL(url.toString());
  clean.searchParams.delete('token');
  return `${clean.pathname}${clean.search}`;
}

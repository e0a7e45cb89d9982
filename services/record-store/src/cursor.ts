/**
 * Page tokens: an opaque base64url JSON cursor holding the sort key of the
 * last row returned and a fingerprint of the request's filters, so a token is
 * refused (INVALID_ARGUMENT) when used with different filters. Stable while
 * new rows arrive: the next page starts strictly after the cursor's key.
 */
import { createHash } from 'node:crypto';
import { invalid } from './errors.js';

type CursorBody = { readonly f: string; readonly k: readonly (string | number)[] };

/** A short fingerprint of the filters a page token belongs to. */
export function filterKey(filters: unknown): string {
  return createHash('sha256').update(JSON.stringify(filters)).digest('base64url').slice(0, 16);
}

/** Encodes a cursor: the last row's sort key under `filters`. */
export function encodeCursor(filters: string, key: readonly (string | number)[]): string {
  const body: CursorBody = { f: filters, k: key };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/**
 * Decodes `token` (undefined for the first page). Throws INVALID_ARGUMENT on
 * `page_token` when it is malformed or was issued for other filters.
 */
export function decodeCursor(token: string, filters: string): readonly (string | number)[] | undefined {
  if (token === '') return undefined;
  let body: CursorBody;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as CursorBody;
  } catch {
    throw invalid([{ field: 'page_token', description: 'is not a page token of this listing' }]);
  }
  if (typeof body !== 'object' || body === null || !Array.isArray(body.k)) {
    throw invalid([{ field: 'page_token', description: 'is not a page token of this listing' }]);
  }
  if (body.f !== filters) {
    throw invalid([{ field: 'page_token', description: 'was issued for other filters; repeat them unchanged' }]);
  }
  return body.k;
}

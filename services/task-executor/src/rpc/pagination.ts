/**
 * AIP-158 pagination over an ordered list: the token names the last key
 * returned and a fingerprint of the filter, so a token is refused with the
 * field named when the other request fields changed.
 */
import { createHash } from 'node:crypto';
import { ExecutorError } from '../errors.js';

/** Page size: 0 means 50, above 1000 is coerced to 1000, negative is refused. */
export function pageSizeOf(n: number): number {
  if (n < 0) throw ExecutorError.invalid([{ field: 'page_size', description: 'must not be negative' }]);
  return n === 0 ? 50 : Math.min(n, 1000);
}

/** One page of `items` (already filtered and ordered) after the token's key. */
export function paginate<T>(
  items: readonly T[],
  req: { pageSize: number; pageToken: string; filter: string },
  keyOf: (t: T) => string,
): { page: T[]; next: string } {
  const size = pageSizeOf(req.pageSize);
  const fp = createHash('sha256').update(req.filter).digest('hex').slice(0, 16);
  let start = 0;
  if (req.pageToken !== '') {
    let parsed: { k?: string; f?: string } = {};
    try {
      parsed = JSON.parse(Buffer.from(req.pageToken, 'base64url').toString()) as { k?: string; f?: string };
    } catch {
      parsed = {};
    }
    if (typeof parsed.k !== 'string' || parsed.f !== fp) {
      throw ExecutorError.invalid([{ field: 'page_token', description: 'is not a token of this listing' }]);
    }
    const after = parsed.k;
    start = items.findIndex((t) => keyOf(t) === after) + 1;
    if (start === 0) start = items.length;
  }
  const page = items.slice(start, start + size);
  const last = page[page.length - 1];
  const next =
    start + size < items.length && last !== undefined
      ? Buffer.from(JSON.stringify({ k: keyOf(last), f: fp })).toString('base64url')
      : '';
  return { page, next };
}

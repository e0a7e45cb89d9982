/**
 * Filtering and AIP-158 pagination of session lists: newest first (create
 * time, then id, both descending), keyset cursors so a page never repeats or
 * skips a session when others are created meanwhile. A page token is bound to
 * the filter that produced it.
 */
import { createHash } from 'node:crypto';
import { invalidFields } from '../errors.js';
import { parseLabelSelector, SelectorSyntaxError, type LabelSelector } from './labels.js';
import type { SessionRecord, SessionStateName } from './record.js';

/** A session filter (ListSessions, WatchSessions). */
export type SessionFilter = {
  readonly pool: string;
  readonly states: readonly SessionStateName[];
  readonly labelSelector: string;
  readonly sessionId?: string;
};

/** A compiled filter. */
export type SessionMatcher = (r: SessionRecord) => boolean;

/** Compiles a filter; INVALID_ARGUMENT naming `label_selector` when it does not parse. */
export function compileFilter(f: SessionFilter): SessionMatcher {
  let selector: LabelSelector;
  try {
    selector = parseLabelSelector(f.labelSelector);
  } catch (e) {
    if (e instanceof SelectorSyntaxError) throw invalidFields([{ field: 'label_selector', description: e.message }]);
    throw e;
  }
  return (r) =>
    (f.pool === '' || r.pool === f.pool) &&
    (f.states.length === 0 || f.states.includes(r.state)) &&
    (f.sessionId === undefined || f.sessionId === '' || r.id === f.sessionId) &&
    selector.matches(r.labels);
}

type Cursor = { readonly c: number; readonly i: string; readonly f: string };

const filterHash = (f: SessionFilter): string =>
  createHash('sha256')
    .update(JSON.stringify([f.pool, [...f.states].sort(), f.labelSelector]))
    .digest('base64url')
    .slice(0, 16);

/** Newest first: create time descending, then id descending. */
export function newestFirst(a: SessionRecord, b: SessionRecord): number {
  return b.createTimeMs - a.createTimeMs || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

function decodeCursor(token: string, f: SessionFilter): Cursor {
  const bad = invalidFields([{ field: 'page_token', description: 'is not a token of this listing' }]);
  let cursor: Cursor;
  try {
    cursor = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Cursor;
  } catch {
    throw bad;
  }
  if (typeof cursor.c !== 'number' || typeof cursor.i !== 'string' || cursor.f !== filterHash(f)) throw bad;
  return cursor;
}

/** One page of `records` (any order) matching `f`, and the token of the next page ('' on the last). */
export function paginate(
  records: readonly SessionRecord[],
  f: SessionFilter,
  page: { readonly size: number; readonly token: string },
): { items: SessionRecord[]; nextPageToken: string } {
  if (page.size < 0) throw invalidFields([{ field: 'page_size', description: 'must not be negative' }]);
  const size = page.size === 0 ? 50 : Math.min(page.size, 1000);
  const matches = compileFilter(f);
  const cursor = page.token === '' ? undefined : decodeCursor(page.token, f);
  const after = (r: SessionRecord): boolean =>
    cursor === undefined || r.createTimeMs < cursor.c || (r.createTimeMs === cursor.c && r.id < cursor.i);
  const sorted = records.filter((r) => matches(r) && after(r)).sort(newestFirst);
  const items = sorted.slice(0, size);
  const last = items[items.length - 1];
  const more = sorted.length > size && last !== undefined;
  const next: Cursor | undefined = more ? { c: last.createTimeMs, i: last.id, f: filterHash(f) } : undefined;
  return { items, nextPageToken: next ? Buffer.from(JSON.stringify(next)).toString('base64url') : '' };
}

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BrokerError } from '../errors.js';
import { labelViolations, parseLabelSelector } from './labels.js';
import { paginate } from './pagination.js';
import type { SessionRecord } from './record.js';
import { canRequestClose, canTransition } from './state-machine.js';
import { createTokenAuthority } from './tokens.js';

describe('state machine', () => {
  it('allows the documented transitions only', () => {
    expect(canTransition('QUEUED', 'STARTING')).toBe(true);
    expect(canTransition('STARTING', 'READY')).toBe(true);
    expect(canTransition('READY', 'CLOSING')).toBe(true);
    expect(canTransition('CLOSING', 'CLOSED')).toBe(true);
    for (const s of ['QUEUED', 'STARTING', 'READY', 'CLOSING'] as const) expect(canTransition(s, 'FAILED')).toBe(true);
    expect(canTransition('READY', 'QUEUED')).toBe(false);
    expect(canTransition('READY', 'CLOSED')).toBe(false);
    expect(canTransition('CLOSED', 'FAILED')).toBe(false);
    expect(canTransition('FAILED', 'CLOSING')).toBe(false);
    expect(canRequestClose('CLOSING')).toBe(false);
    expect(canRequestClose('QUEUED')).toBe(true);
  });
});

describe('labels', () => {
  it('validates keys and values with Kubernetes syntax', () => {
    expect(labelViolations({ 'nightglow.io/team': 'search', env: '' }, 'labels')).toEqual([]);
    expect(labelViolations({ '-bad': 'x', ok: 'no spaces' }, 'labels').map((v) => v.field)).toEqual([
      'labels["-bad"]',
      'labels["ok"]',
    ]);
  });

  it('matches selectors: =, ==, !=, in, notin, exists, !exists', () => {
    const labels = { team: 'search', env: 'prod', tier: 'b' };
    const m = (s: string): boolean => parseLabelSelector(s).matches(labels);
    expect(m('')).toBe(true);
    expect(m('team=search,env==prod')).toBe(true);
    expect(m('env!=prod')).toBe(false);
    expect(m('tier in (a, b)')).toBe(true);
    expect(m('tier notin (a,b)')).toBe(false);
    expect(m('team')).toBe(true);
    expect(m('!canary')).toBe(true);
    expect(m('!team')).toBe(false);
    expect(m('missing!=x')).toBe(true);
    expect(() => parseLabelSelector('bad key=1')).toThrow(/not a valid label key/);
  });
});

describe('tokens', () => {
  it('verifies its own tokens in constant time and refuses others', () => {
    const a = createTokenAuthority(randomBytes(32));
    const b = createTokenAuthority(randomBytes(32));
    const token = a.issue('s1');
    expect(a.issue('s1')).toBe(token); // a retried request gets the same token
    expect(a.verify('s1', token)).toBe(true);
    expect(a.verify('s2', token)).toBe(false);
    expect(a.verify('s1', `${token}x`)).toBe(false);
    expect(a.verify('s1', '')).toBe(false);
    expect(b.verify('s1', token)).toBe(false);
    expect(() => createTokenAuthority(Buffer.alloc(4))).toThrow();
  });
});

function rec(id: string, createTimeMs: number, over: Partial<SessionRecord> = {}): SessionRecord {
  return { id, createTimeMs, pool: 'p', state: 'READY', labels: {}, ...over } as SessionRecord;
}

describe('pagination', () => {
  const all = [
    rec('a', 1),
    rec('b', 3),
    rec('c', 2),
    rec('d', 3),
    rec('e', 5, { pool: 'q' }),
    rec('f', 4, { state: 'CLOSED' }),
  ];
  const filter = { pool: 'p', states: [], labelSelector: '' };

  it('pages newest first without repeats or gaps, bound to the filter', () => {
    const first = paginate(all, filter, { size: 2, token: '' });
    expect(first.items.map((r) => r.id)).toEqual(['f', 'd']);
    const second = paginate([...all, rec('z', 9)], filter, { size: 2, token: first.nextPageToken });
    expect(second.items.map((r) => r.id)).toEqual(['b', 'c']);
    const third = paginate(all, filter, { size: 2, token: second.nextPageToken });
    expect(third.items.map((r) => r.id)).toEqual(['a']);
    expect(third.nextPageToken).toBe('');
    expect(() => paginate(all, { ...filter, pool: 'q' }, { size: 2, token: first.nextPageToken })).toThrow(BrokerError);
  });

  it('filters by state and labels and refuses bad input naming the field', () => {
    const page = paginate(all, { pool: '', states: ['READY'], labelSelector: '' }, { size: 0, token: '' });
    expect(page.items.map((r) => r.id)).toEqual(['e', 'd', 'b', 'c', 'a']);
    const labelled = [rec('x', 1, { labels: { team: 'a' } }), rec('y', 2, { labels: { team: 'b' } })];
    expect(
      paginate(labelled, { ...filter, labelSelector: 'team=a' }, { size: 10, token: '' }).items.map((r) => r.id),
    ).toEqual(['x']);
    const bad = (f: () => unknown, field: string) => {
      try {
        f();
        throw new Error('expected an error');
      } catch (e) {
        expect((e as BrokerError).violations[0]?.field).toBe(field);
      }
    };
    bad(() => paginate(all, { ...filter, labelSelector: 'a b c' }, { size: 1, token: '' }), 'label_selector');
    bad(() => paginate(all, filter, { size: -1, token: '' }), 'page_size');
    bad(() => paginate(all, filter, { size: 1, token: 'garbage' }), 'page_token');
  });
});

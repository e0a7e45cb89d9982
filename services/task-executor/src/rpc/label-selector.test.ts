import { describe, expect, it } from 'vitest';
import { parseLabelSelector } from './label-selector.js';
import { paginate } from './pagination.js';

describe('label selectors', () => {
  it('matches equality, inequality, existence and set terms', () => {
    const m = parseLabelSelector('team=search,env!=prod,tier in (a, b),!legacy,owner');
    expect(m({ team: 'search', env: 'dev', tier: 'a', owner: 'x' })).toBe(true);
    expect(m({ team: 'search', env: 'prod', tier: 'a', owner: 'x' })).toBe(false);
    expect(m({ team: 'search', tier: 'c', owner: 'x' })).toBe(false);
    expect(m({ team: 'search', tier: 'b', owner: 'x', legacy: '1' })).toBe(false);
    expect(parseLabelSelector('')({})).toBe(true);
    expect(() => parseLabelSelector('a in b')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('paginates with tokens bound to the filter', () => {
    const items = ['e', 'd', 'c', 'b', 'a'];
    const p1 = paginate(items, { pageSize: 2, pageToken: '', filter: 'f' }, (x) => x);
    expect(p1.page).toEqual(['e', 'd']);
    const p2 = paginate(items, { pageSize: 2, pageToken: p1.next, filter: 'f' }, (x) => x);
    const p3 = paginate(items, { pageSize: 2, pageToken: p2.next, filter: 'f' }, (x) => x);
    expect([p2.page, p3.page, p3.next]).toEqual([['c', 'b'], ['a'], '']);
    expect(() => paginate(items, { pageSize: 2, pageToken: p1.next, filter: 'other' }, (x) => x)).toThrow('page_token');
  });
});

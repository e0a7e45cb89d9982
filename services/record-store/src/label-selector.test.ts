import { describe, expect, it } from 'vitest';
import { params } from './db/sql.js';
import { RecordStoreError } from './errors.js';
import { labelConditions, parseLabelSelector } from './label-selector.js';

describe('label selectors', () => {
  it('parses equality, inequality, set and existence requirements', () => {
    expect(parseLabelSelector('team=a, env!=prod,tier in (web, api),!legacy,canary,x==y', 'f')).toEqual([
      { op: 'eq', key: 'team', value: 'a' },
      { op: 'neq', key: 'env', value: 'prod' },
      { op: 'in', key: 'tier', values: ['web', 'api'] },
      { op: 'absent', key: 'legacy' },
      { op: 'exists', key: 'canary' },
      { op: 'eq', key: 'x', value: 'y' },
    ]);
    expect(parseLabelSelector('  ', 'f')).toEqual([]);
  });

  it('refuses a term it cannot read, naming the field', () => {
    const e = (() => {
      try {
        parseLabelSelector('team=a,what is this', 'label_selector');
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(RecordStoreError);
    expect((e as RecordStoreError).fields[0]?.field).toBe('label_selector');
  });

  it('becomes parameterized SQL over a jsonb column', () => {
    const p = params();
    const sql = labelConditions(parseLabelSelector('team=a,tier notin (x),!old', 'f'), 'labels', p);
    expect(sql).toEqual([
      'labels @> $1::jsonb',
      'NOT coalesce((labels ->> $2) = ANY($3::text[]), false)',
      'NOT jsonb_exists(labels, $4)',
    ]);
    expect(p.values).toEqual(['{"team":"a"}', 'tier', ['x'], 'old']);
  });
});

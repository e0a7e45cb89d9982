import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, filterKey } from './cursor.js';
import { type RecordStoreError } from './errors.js';

describe('page tokens', () => {
  it('round-trip the last key under the same filters', () => {
    const fk = filterKey({ pool: 'a' });
    expect(decodeCursor(encodeCursor(fk, ['2026-01-01T00:00:00.000001Z', 'id-1']), fk)).toEqual([
      '2026-01-01T00:00:00.000001Z',
      'id-1',
    ]);
    expect(decodeCursor('', fk)).toBeUndefined();
  });

  it('are refused with other filters or when malformed, naming page_token', () => {
    const token = encodeCursor(filterKey({ pool: 'a' }), [1]);
    for (const [t, f] of [
      [token, filterKey({ pool: 'b' })],
      ['%%%', filterKey({})],
      [Buffer.from('[]').toString('base64url'), filterKey({})],
    ] as const) {
      try {
        decodeCursor(t, f);
        expect.unreachable();
      } catch (e) {
        expect((e as RecordStoreError).fields[0]?.field).toBe('page_token');
      }
    }
  });
});

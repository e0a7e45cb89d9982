import { describe, expect, it } from 'vitest';
import { arrayParam, encodeBinaryArray, isArrayParam } from './array-param.js';

/** Reads back a one-dimensional binary array: element OID and each element's bytes (null for NULL). */
function decode(buf: Buffer): { oid: number; elements: (Buffer | null)[] } {
  const ndim = buf.readInt32BE(0);
  const oid = buf.readInt32BE(8);
  if (ndim === 0) return { oid, elements: [] };
  const n = buf.readInt32BE(12);
  expect(buf.readInt32BE(16)).toBe(1); // lower bound
  const elements: (Buffer | null)[] = [];
  let at = 20;
  for (let i = 0; i < n; i++) {
    const len = buf.readInt32BE(at);
    at += 4;
    elements.push(len < 0 ? null : buf.subarray(at, (at += len)));
  }
  expect(at).toBe(buf.length);
  return { oid, elements };
}

describe('binary array parameters', () => {
  it('encodes UUIDs of either case as their 16 bytes', () => {
    const a = decode(encodeBinaryArray(arrayParam('uuid', ['0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', null])));
    const b = decode(encodeBinaryArray(arrayParam('uuid', ['0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B'])));
    expect(a.oid).toBe(2950);
    expect(a.elements.map((e) => e?.toString('hex') ?? null)).toEqual(['0190a1b2c3d47e5f8a9b0c1d2e3f4a5b', null]);
    expect(b.elements[0]).toEqual(a.elements[0]);
  });

  it('refuses what is not a canonical UUID', () => {
    for (const bad of ['0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5', '0190a1b2xc3d4-7e5f-8a9b-0c1d2e3f4a5b', 'é'.repeat(36)]) {
      expect(() => encodeBinaryArray(arrayParam('uuid', [bad]))).toThrow('not a UUID');
    }
  });

  it('encodes text as UTF-8, bytea as is, and numbers big-endian', () => {
    const text = decode(encodeBinaryArray(arrayParam('text', ['', 'naïve ✓', null])));
    expect(text.oid).toBe(25);
    expect(text.elements.map((e) => e?.toString('utf8') ?? null)).toEqual(['', 'naïve ✓', null]);
    const bytes = decode(encodeBinaryArray(arrayParam('bytea', [new Uint8Array([0, 255, 7])])));
    expect([bytes.oid, [...(bytes.elements[0] ?? [])]]).toEqual([17, [0, 255, 7]]);
    const f = decode(encodeBinaryArray(arrayParam('float8', [1.5])));
    expect([f.oid, f.elements[0]?.readDoubleBE(0)]).toEqual([701, 1.5]);
    const i2 = decode(encodeBinaryArray(arrayParam('int2', [-3])));
    expect([i2.oid, i2.elements[0]?.readInt16BE(0)]).toEqual([21, -3]);
    const i4 = decode(encodeBinaryArray(arrayParam('int4', [70000])));
    expect([i4.oid, i4.elements[0]?.readInt32BE(0)]).toEqual([23, 70000]);
    const i8 = decode(encodeBinaryArray(arrayParam('int8', ['9007199254740993'])));
    expect([i8.oid, i8.elements[0]?.readBigInt64BE(0)]).toEqual([20, 9007199254740993n]);
  });

  it('encodes an empty array with no dimensions', () => {
    expect(decode(encodeBinaryArray(arrayParam('text', [])))).toEqual({ oid: 25, elements: [] });
  });

  it('tells array parameters from other values', () => {
    expect(isArrayParam(arrayParam('int4', [1]))).toBe(true);
    expect([isArrayParam([1]), isArrayParam(new Uint8Array(2)), isArrayParam(null), isArrayParam('x')]).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});

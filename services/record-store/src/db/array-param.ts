/**
 * Array parameters with their element type. The ingest statements bind a
 * column of thousands of values per parameter; as text (`{…}` literals) every
 * value is escaped by the client and parsed again by the server (bytea as hex
 * twice over). With the element type known, the PostgreSQL adapter sends the
 * array in PostgreSQL's binary array format instead (what `array_recv` reads:
 * no escaping, no parsing); PGlite, in-process, takes the plain array.
 */

/** Element types an {@link ArrayParam} can carry, with the JavaScript value of each. */
export type ArrayElements = {
  /** Canonical text form, e.g. `0190…-…`; checked when encoded. */
  readonly uuid: string;
  readonly text: string;
  readonly bytea: Uint8Array;
  readonly float8: number;
  readonly int2: number;
  readonly int4: number;
  /** Decimal text (a Kafka offset), as it arrives. */
  readonly int8: string;
};

/** An element type name, e.g. `uuid`. */
export type ArrayElementType = keyof ArrayElements;

/** A one-dimensional array parameter; the SQL still casts it (`$1::uuid[]`). */
export type ArrayParam<T extends ArrayElementType = ArrayElementType> = {
  readonly arrayOf: T;
  readonly values: readonly (ArrayElements[T] | null)[];
};

/** An array parameter of `type` elements. */
export function arrayParam<T extends ArrayElementType>(
  type: T,
  values: readonly (ArrayElements[T] | null)[],
): ArrayParam<T> {
  return { arrayOf: type, values };
}

/** True when `p` was made by {@link arrayParam}. */
export function isArrayParam(p: unknown): p is ArrayParam {
  return typeof p === 'object' && p !== null && 'arrayOf' in p && 'values' in p;
}

const OID: Record<ArrayElementType, number> = {
  uuid: 2950,
  text: 25,
  bytea: 17,
  float8: 701,
  int2: 21,
  int4: 23,
  int8: 20,
};
const FIXED: Partial<Record<ArrayElementType, number>> = { uuid: 16, float8: 8, int2: 2, int4: 4, int8: 8 };
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX['0123456789abcdef'.charCodeAt(i)] = i;
  HEX['0123456789ABCDEF'.charCodeAt(i)] = i;
}

/** Writes the 16 bytes of a canonical UUID text (either case); throws on anything else. */
function writeUuid(buf: Buffer, at: number, s: string): void {
  let ok = s.length === 36;
  let j = 0;
  for (let i = 0; ok && i < 16; i++) {
    if (j === 8 || j === 13 || j === 18 || j === 23) ok = s.charCodeAt(j++) === 45; // '-'
    const hi = HEX[s.charCodeAt(j++)] ?? -1;
    const lo = HEX[s.charCodeAt(j++)] ?? -1;
    ok &&= hi >= 0 && lo >= 0;
    buf[at + i] = (hi << 4) | lo;
  }
  if (!ok) throw new TypeError(`not a UUID: ${JSON.stringify(s)}`);
}

/** The most bytes one element can take (UTF-8 needs at most 3 bytes per UTF-16 unit). */
function maxBytes(type: ArrayElementType, v: unknown): number {
  if (type === 'text') return 3 * (v as string).length;
  if (type === 'bytea') return (v as Uint8Array).byteLength;
  return FIXED[type] ?? 0;
}

/** Writes one non-null element at `at`; returns its byte length. */
function writeElement(buf: Buffer, at: number, type: ArrayElementType, v: unknown): number {
  switch (type) {
    case 'uuid':
      writeUuid(buf, at, v as string);
      return 16;
    case 'text':
      return buf.write(v as string, at, 'utf8');
    case 'bytea':
      buf.set(v as Uint8Array, at);
      return (v as Uint8Array).byteLength;
    case 'float8':
      buf.writeDoubleBE(v as number, at);
      return 8;
    case 'int2':
      buf.writeInt16BE(v as number, at);
      return 2;
    case 'int4':
      buf.writeInt32BE(v as number, at);
      return 4;
    case 'int8':
      buf.writeBigInt64BE(BigInt(v as string), at);
      return 8;
  }
}

/**
 * `p` in PostgreSQL's binary array format: dimensions, flags, element OID,
 * then each element as a length (−1 for NULL) and its binary value.
 */
export function encodeBinaryArray(p: ArrayParam): Buffer {
  const n = p.values.length;
  let size = n === 0 ? 12 : 20;
  for (const v of p.values) size += 4 + (v === null ? 0 : maxBytes(p.arrayOf, v));
  const buf = Buffer.allocUnsafe(size);
  buf.writeInt32BE(n === 0 ? 0 : 1, 0);
  buf.writeInt32BE(p.values.includes(null) ? 1 : 0, 4);
  buf.writeInt32BE(OID[p.arrayOf], 8);
  let at = 12;
  if (n > 0) {
    buf.writeInt32BE(n, 12);
    buf.writeInt32BE(1, 16);
    at = 20;
  }
  for (const v of p.values) {
    if (v === null) {
      buf.writeInt32BE(-1, at);
      at += 4;
      continue;
    }
    const len = writeElement(buf, at + 4, p.arrayOf, v);
    buf.writeInt32BE(len, at);
    at += 4 + len;
  }
  return buf.subarray(0, at);
}

/**
 * The input of {@link fastFromBinary} (`fast-from-binary.ts`): the bytes being
 * decoded, a position in them, and the protobuf wire primitives read from it,
 * each computed as protobuf-es' `BinaryReader` computes it. One message is
 * decoded at a time (nothing here awaits). Input protobuf-es might read
 * differently, or refuse, throws {@link Malformed}, so the caller can leave
 * the whole input to protobuf-es; bounds are checked by the caller where a
 * message, a packed list or a map entry ends.
 */
import { isUtf8 } from 'node:buffer';
import { protoInt64 } from '@bufbuild/protobuf';
import { getTextEncoding } from '@bufbuild/protobuf/wire';

/** Thrown when protobuf-es must decide about the input (it then decodes it, or throws its own error). */
export class Malformed extends Error {}

const EMPTY = Buffer.alloc(0);
let input: Uint8Array = EMPTY;
let view: Buffer = EMPTY;
let pos = 0;

/** Starts decoding `bytes` at offset 0. */
export function startInput(bytes: Uint8Array): void {
  input = bytes;
  view = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  pos = 0;
}

/** Drops the reference to the input, so a large one is not kept alive. */
export function endInput(): void {
  input = EMPTY;
  view = EMPTY;
}

export function position(): number {
  return pos;
}

export function seek(to: number): void {
  pos = to;
}

/** A view of the input (as protobuf-es: bytes fields and unknown fields share the input's memory). */
export function slice(start: number, end: number): Uint8Array {
  return input.subarray(start, end);
}

/** An unsigned 32-bit varint, as protobuf-es' `varint32read` (bits past 32 ignored, at most ten bytes). */
export function varint32(): number {
  let b = input[pos++]!;
  let result = b & 0x7f;
  if ((b & 0x80) === 0) return result;
  b = input[pos++]!;
  result |= (b & 0x7f) << 7;
  if ((b & 0x80) === 0) return result;
  b = input[pos++]!;
  result |= (b & 0x7f) << 14;
  if ((b & 0x80) === 0) return result;
  b = input[pos++]!;
  result |= (b & 0x7f) << 21;
  if ((b & 0x80) === 0) return result;
  b = input[pos++]!;
  result |= (b & 0x0f) << 28;
  for (let n = 5; (b & 0x80) !== 0 && n < 10; n++) b = input[pos++]!;
  if ((b & 0x80) !== 0) throw new Malformed();
  return result >>> 0;
}

/** A tag, checked as protobuf-es checks it (fits 32 bits, field number > 0, wire type ≤ 5). */
export function tag(): number {
  const start = pos;
  const t = varint32();
  const n = pos - start;
  if (n > 5 || (n === 5 && input[pos - 1]! > 0x0f) || t >>> 3 === 0 || (t & 7) > 5) throw new Malformed();
  return t;
}

/** The end of a length-delimited value starting here; past `end` (the enclosing one) is {@link Malformed}. */
export function delimited(end: number): number {
  const length = varint32();
  const e = pos + length;
  if (e > end) throw new Malformed();
  return e;
}

let hi = 0;
/** A 64-bit varint, as protobuf-es' `varint64read`: returns the low half, leaves the high half in `hi`. */
function varint64(): number {
  let lo = 0;
  hi = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    const b = input[pos++]!;
    lo |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) return lo;
  }
  const middle = input[pos++]!;
  lo |= (middle & 0x0f) << 28;
  hi = (middle & 0x70) >> 4;
  if ((middle & 0x80) === 0) return lo;
  for (let shift = 3; shift <= 31; shift += 7) {
    const b = input[pos++]!;
    hi |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) return lo;
  }
  throw new Malformed();
}

export function int64(): bigint | string {
  const lo = varint64();
  return hi === 0 && lo >= 0 && protoInt64.supported ? BigInt(lo) : protoInt64.dec(lo, hi);
}

export function uint64(): bigint | string {
  const lo = varint64();
  return hi === 0 && lo >= 0 && protoInt64.supported ? BigInt(lo) : protoInt64.uDec(lo, hi);
}

export function sint64(): bigint | string {
  const lo = varint64();
  const s = -(lo & 1);
  return protoInt64.dec(((lo >>> 1) | ((hi & 1) << 31)) ^ s, (hi >>> 1) ^ s);
}

export function bool(): boolean {
  const lo = varint64();
  return lo !== 0 || hi !== 0;
}

/** Little-endian fixed-width values; reading past the input throws (a `RangeError`). */
export function fixed32(signed: boolean): number {
  const v = signed ? view.readInt32LE(pos) : view.readUInt32LE(pos);
  pos += 4;
  return v;
}

export function fixed64(signed: boolean): bigint | string {
  const lo = view.readInt32LE(pos);
  const h = view.readInt32LE(pos + 4);
  pos += 8;
  return signed ? protoInt64.dec(lo, h) : protoInt64.uDec(lo, h);
}

export function float(): number {
  const v = view.readFloatLE(pos);
  pos += 4;
  return v;
}

export function double(): number {
  const v = view.readDoubleLE(pos);
  pos += 8;
  return v;
}

export function bytes(end: number): Uint8Array {
  const e = delimited(end);
  const start = pos;
  pos = e;
  return input.subarray(start, e);
}

/**
 * A length-delimited string, as protobuf-es' `TextDecoder` reads it. ASCII
 * (ids, names: most of an envelope) is copied by a loop when short, else by
 * `latin1` (the same characters, without a UTF-8 decoder's checks); other
 * valid UTF-8 goes through `Buffer`; invalid UTF-8 (`strict`: an error, else
 * U+FFFD) and a leading byte order mark (which `TextDecoder` drops) through
 * protobuf-es' own decoder.
 */
export function string(end: number, strict: boolean): string {
  const e = delimited(end);
  const start = pos;
  pos = e;
  if (e - start <= 8) {
    let s = '';
    for (let i = start; i < e; i++) {
      const c = input[i]!;
      if (c >= 0x80) return utf8(start, e, strict);
      s += String.fromCharCode(c);
    }
    return s;
  }
  for (let i = start; i < e; i++) if (input[i]! >= 0x80) return utf8(start, e, strict);
  return view.toString('latin1', start, e);
}

function utf8(start: number, end: number, strict: boolean): string {
  const bom = input[start] === 0xef && input[start + 1] === 0xbb && input[start + 2] === 0xbf;
  if (!bom && isUtf8(view.subarray(start, end))) return view.toString('utf8', start, end);
  return getTextEncoding().decodeUtf8(input.subarray(start, end), strict);
}

/** Skips a value of wire type varint, 64-bit, length-delimited or 32-bit (groups are {@link Malformed}). */
export function skip(wireType: number, end: number): void {
  switch (wireType) {
    case 0:
      while (input[pos++]! & 0x80) {
        // as protobuf-es: no limit on the length
      }
      return;
    case 1:
      pos += 8;
      return;
    case 2:
      pos = delimited(end);
      return;
    case 5:
      pos += 4;
      return;
    default:
      throw new Malformed();
  }
}

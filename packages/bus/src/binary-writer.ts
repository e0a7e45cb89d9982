/**
 * The output of {@link fastToBinary} (`fast-binary.ts`): one growing buffer,
 * reused from one encode to the next (the process encodes one message at a
 * time; nothing here awaits), and the protobuf wire primitives written into
 * it. A value protobuf-es would refuse throws {@link Unsupported}, so the
 * caller can leave the message to protobuf-es.
 */

/** Thrown when protobuf-es must decide about a value (it then encodes it, or throws its own error). */
export class Unsupported extends Error {}

/** Size of the reused buffer; a larger message grows it for the one encode, then it shrinks back. */
const KEPT_BYTES = 64 * 1024;

let buf = Buffer.allocUnsafe(KEPT_BYTES);
let pos = 0;

function ensure(extra: number): void {
  if (pos + extra <= buf.length) return;
  const next = Buffer.allocUnsafe(Math.max(buf.length * 2, pos + extra));
  buf.copy(next, 0, 0, pos);
  buf = next;
}

/** Starts a new message. */
export function resetOutput(): void {
  pos = 0;
}

/** The bytes written since {@link resetOutput}, copied out (small ones into Node's shared pool). */
export function takeOutput(): Buffer {
  const out = Buffer.allocUnsafe(pos);
  buf.copy(out, 0, 0, pos);
  if (buf.length > KEPT_BYTES) buf = Buffer.allocUnsafe(KEPT_BYTES); // e.g. after a screenshot
  return out;
}

/** An unsigned 32-bit varint (also tags and lengths). */
export function varint32(value: number): void {
  ensure(5);
  let v = value >>> 0;
  while (v > 0x7f) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
}

/** A 64-bit varint from its two's complement halves. */
export function varint64(lo: number, hi: number): void {
  ensure(10);
  let l = lo >>> 0;
  let h = hi >>> 0;
  while (h !== 0 || l > 0x7f) {
    buf[pos++] = (l & 0x7f) | 0x80;
    l = ((l >>> 7) | (h << 25)) >>> 0;
    h >>>= 7;
  }
  buf[pos++] = l;
}

/** Bytes as they are (unknown fields). */
export function raw(data: Uint8Array): void {
  ensure(data.byteLength);
  buf.set(data, pos);
  pos += data.byteLength;
}

/**
 * A length-delimited string. Short ASCII strings (ids, names, the bulk of an
 * envelope) are copied by a loop, cheaper than a call into `Buffer`'s native
 * UTF-8 writer; anything else goes through it (the same bytes as
 * `TextEncoder`, U+FFFD for a lone surrogate).
 */
export function string(value: unknown): void {
  if (typeof value !== 'string') throw new Unsupported();
  const length = value.length;
  if (length < 128) {
    ensure(1 + length * 3);
    const at = pos;
    let i = 0;
    for (; i < length; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80) break;
      buf[at + 1 + i] = c;
    }
    if (i === length) {
      buf[at] = length;
      pos = at + 1 + length;
      return;
    }
    if (length * 3 < 128) {
      const n = buf.write(value, at + 1, 'utf8');
      buf[at] = n;
      pos = at + 1 + n;
      return;
    }
  }
  const n = Buffer.byteLength(value, 'utf8');
  varint32(n);
  ensure(n);
  pos += buf.write(value, pos, n, 'utf8');
}

/** Length-delimited bytes. */
export function bytes(value: unknown): void {
  if (!(value instanceof Uint8Array)) throw new Unsupported();
  varint32(value.byteLength);
  raw(value);
}

/** One byte, 0 or 1, by truthiness (as protobuf-es). */
export function bool(value: unknown): void {
  ensure(1);
  buf[pos++] = value ? 1 : 0;
}

/** Little-endian fixed-width values. */
export function double(value: number): void {
  ensure(8);
  pos = buf.writeDoubleLE(value, pos);
}

export function float(value: number): void {
  ensure(4);
  pos = buf.writeFloatLE(value, pos);
}

export function fixed32(value: number, signed: boolean): void {
  ensure(4);
  pos = signed ? buf.writeInt32LE(value, pos) : buf.writeUInt32LE(value, pos);
}

export function fixed64(lo: number, hi: number): void {
  ensure(8);
  buf.writeInt32LE(lo, pos);
  pos = buf.writeInt32LE(hi, pos + 4);
}

/**
 * Length-delimited data: `openDelimited()` reserves one byte for the length,
 * `closeDelimited(at)` writes it, moving the data when the length needs more
 * bytes (over 127).
 */
export function openDelimited(): number {
  ensure(1);
  return pos++;
}

export function closeDelimited(at: number): void {
  const length = pos - at - 1;
  if (length < 128) {
    buf[at] = length;
    return;
  }
  let extra = 0;
  for (let v = length >>> 7; v > 0; v >>>= 7) extra++;
  ensure(extra);
  buf.copy(buf, at + 1 + extra, at + 1, pos);
  pos = at;
  varint32(length);
  pos += length;
}

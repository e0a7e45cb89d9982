/**
 * Scalar values of {@link fastToBinary} (`fast-binary.ts`): their wire types,
 * protobuf-es' implicit-presence zero check, and their encoding with the
 * checks protobuf-es makes (a value it would refuse throws
 * {@link Unsupported}).
 */
import { protoInt64, ScalarType } from '@bufbuild/protobuf';
import {
  bool,
  bytes,
  double,
  fixed32,
  fixed64,
  float,
  string,
  Unsupported,
  varint32,
  varint64,
} from './binary-writer.js';

export const WIRE_VARINT = 0;
export const WIRE_BIT64 = 1;
export const WIRE_LENGTH_DELIMITED = 2;
export const WIRE_BIT32 = 5;

const FLOAT32_MAX = 3.4028234663852886e38;

/** The wire type of a scalar type. */
export function wireType(type: ScalarType): number {
  switch (type) {
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return WIRE_LENGTH_DELIMITED;
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return WIRE_BIT64;
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return WIRE_BIT32;
    default:
      return WIRE_VARINT;
  }
}

/** The implicit-presence zero check of protobuf-es (`-0` is not zero). */
export function isZero(type: ScalarType, value: unknown): boolean {
  switch (type) {
    case ScalarType.BOOL:
      return value === false;
    case ScalarType.STRING:
      return value === '';
    case ScalarType.BYTES:
      return value instanceof Uint8Array && value.byteLength === 0;
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return Object.is(value, 0);
    default:
      // loose, as protobuf-es: matches 0, 0n and "0"
      return value == 0;
  }
}

function int32(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value > 0x7fffffff || value < -0x80000000) {
    throw new Unsupported();
  }
  return value;
}

function uint32(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value > 0xffffffff || value < 0) {
    throw new Unsupported();
  }
  return value;
}

function int64Parts(value: unknown, unsigned: boolean): { lo: number; hi: number } {
  if (typeof value !== 'bigint' && typeof value !== 'string' && typeof value !== 'number') throw new Unsupported();
  try {
    return unsigned ? protoInt64.uEnc(value) : protoInt64.enc(value);
  } catch {
    throw new Unsupported();
  }
}

/** Writes one scalar value (no tag); enums are written as INT32. */
export function scalar(type: ScalarType, value: unknown): void {
  switch (type) {
    case ScalarType.STRING:
      return string(value);
    case ScalarType.BYTES:
      return bytes(value);
    case ScalarType.BOOL:
      return bool(value);
    case ScalarType.DOUBLE:
      if (typeof value !== 'number') throw new Unsupported();
      return double(value);
    case ScalarType.FLOAT:
      if (typeof value !== 'number' || (Number.isFinite(value) && Math.abs(value) > FLOAT32_MAX)) {
        throw new Unsupported();
      }
      return float(value);
    case ScalarType.INT32: {
      const v = int32(value);
      return v >= 0 ? varint32(v) : varint64(v, -1); // a negative int32 takes ten bytes
    }
    case ScalarType.UINT32:
      return varint32(uint32(value));
    case ScalarType.SINT32: {
      const v = int32(value);
      return varint32(((v << 1) ^ (v >> 31)) >>> 0);
    }
    case ScalarType.FIXED32:
      return fixed32(uint32(value), false);
    case ScalarType.SFIXED32:
      return fixed32(int32(value), true);
    case ScalarType.INT64:
    case ScalarType.UINT64: {
      const { lo, hi } = int64Parts(value, type === ScalarType.UINT64);
      return varint64(lo, hi);
    }
    case ScalarType.SINT64: {
      const { lo, hi } = int64Parts(value, false);
      const sign = hi >> 31;
      return varint64((lo << 1) ^ sign, ((hi << 1) | (lo >>> 31)) ^ sign);
    }
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64: {
      const { lo, hi } = int64Parts(value, type === ScalarType.FIXED64);
      return fixed64(lo, hi);
    }
  }
}

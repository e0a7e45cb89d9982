/**
 * Scalar values of {@link fastFromBinary} (`fast-from-binary.ts`): one reader
 * per scalar type, chosen once per field, returning what protobuf-es stores in
 * a message (64-bit integers as `bigint`, or as strings for `jstype =
 * JS_STRING` fields), and the values of map entries the input leaves out.
 */
import { protoInt64, ScalarType } from '@bufbuild/protobuf';
import {
  bool,
  bytes,
  double,
  fixed32,
  fixed64,
  float,
  int64,
  sint64,
  string,
  uint64,
  varint32,
} from './binary-reader.js';

/** Reads one value (no tag) ending before `end`, the end of the enclosing message. */
export type ScalarReader = (end: number) => unknown;

/** The reader of `type`; `strict` rejects invalid UTF-8 (protobuf-es' `utf8Validation`). */
export function scalarReader(type: ScalarType, options: { strict: boolean; longAsString: boolean }): ScalarReader {
  const read = baseReader(type, options.strict);
  const long =
    type === ScalarType.INT64 ||
    type === ScalarType.UINT64 ||
    type === ScalarType.SINT64 ||
    type === ScalarType.FIXED64 ||
    type === ScalarType.SFIXED64;
  return long && options.longAsString ? (end) => String(read(end)) : read;
}

function baseReader(type: ScalarType, strict: boolean): ScalarReader {
  switch (type) {
    case ScalarType.STRING:
      return (end) => string(end, strict);
    case ScalarType.BYTES:
      return bytes;
    case ScalarType.BOOL:
      return bool;
    case ScalarType.DOUBLE:
      return double;
    case ScalarType.FLOAT:
      return float;
    case ScalarType.INT32:
      return () => varint32() | 0;
    case ScalarType.UINT32:
      return varint32;
    case ScalarType.SINT32:
      return () => {
        const z = varint32();
        return (z >>> 1) ^ -(z & 1);
      };
    case ScalarType.FIXED32:
      return () => fixed32(false);
    case ScalarType.SFIXED32:
      return () => fixed32(true);
    case ScalarType.INT64:
      return int64;
    case ScalarType.UINT64:
      return uint64;
    case ScalarType.SINT64:
      return sint64;
    case ScalarType.FIXED64:
      return () => fixed64(false);
    case ScalarType.SFIXED64:
      return () => fixed64(true);
  }
}

/** The value protobuf-es stores for a map entry without a value (`longAsString`: 64-bit zero as "0"). */
export function scalarZero(type: ScalarType, longAsString: boolean): () => unknown {
  switch (type) {
    case ScalarType.STRING:
      return () => '';
    case ScalarType.BOOL:
      return () => false;
    case ScalarType.BYTES:
      return () => new Uint8Array(0);
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return longAsString ? () => '0' : () => protoInt64.zero;
    default:
      return () => 0;
  }
}

/**
 * A faster `fromBinary` for protobuf-es messages: the same message, read in
 * one pass. protobuf-es decodes through its reflection API (a field lookup by
 * number, a checked `set` per field, a `TextDecoder` call per string); on the
 * consuming path that made decoding a measurement envelope the largest single
 * cost per message of the record store's ingest.
 *
 * As {@link fastToBinary}, each message type gets a plan built once from its
 * protobuf-es descriptor: a reader per field number, and a zero message that
 * is copied rather than built. Types whose local shape is not a plain message
 * (proto2 presence on the prototype chain, closed enums, groups, maps without
 * string keys, wrapper-type and `Struct` fields, which protobuf-es holds
 * unwrapped) are read by protobuf-es' `mergeFromBinary` and embedded. Input
 * protobuf-es might read differently or refuse (a wire type that does not
 * match the field, a length past its enclosing message, a group, a bad varint
 * or tag, nesting past protobuf-es' limit of 100, …) makes
 * {@link fastFromBinary} hand the whole input to `fromBinary`, so the result,
 * or the error, is its own. Wire primitives are in `binary-reader.ts`, scalars
 * in `binary-read-scalars.ts`, field readers in `binary-field-readers.ts`.
 */
import {
  create,
  fromBinary,
  mergeFromBinary,
  ScalarType,
  type DescField,
  type DescMessage,
  type MessageShape,
} from '@bufbuild/protobuf';
import { isWrapperDesc } from '@bufbuild/protobuf/wkt';
import {
  fieldReader,
  type AnyMessage,
  type FieldReader,
  type Plan,
  type UnknownField,
} from './binary-field-readers.js';
import { endInput, Malformed, position, seek, skip, slice, startInput, tag } from './binary-reader.js';

/** protobuf-es' default `recursionLimit`: a message nested deeper is refused. */
const RECURSION_LIMIT = 100;
const IMPLICIT = 2;
const EDITION_PROTO2 = 998;
const EDITION_PROTO3 = 999;

const plans = new WeakMap<DescMessage, Plan>();

function planOf(desc: DescMessage): Plan {
  const known = plans.get(desc);
  if (known !== undefined) return known;
  const plan: Plan = { read: () => ({}) };
  plans.set(desc, plan); // before the fields: recursive types find it
  plan.read = decodable(desc) ? buildReader(desc) : embedded(desc);
  return plan;
}

/** Whether protobuf-es holds a message field's value as a JSON object rather than a `Struct`. */
function jsonStruct(f: DescField & { message: DescMessage }): boolean {
  return f.message.typeName === 'google.protobuf.Struct' && f.parent.typeName !== 'google.protobuf.Value';
}

/** Whether this decoder reads `desc` itself (see the module comment). */
function decodable(desc: DescMessage): boolean {
  const edition = desc.file.edition;
  if (edition === EDITION_PROTO2) return false;
  const prototypeChain = desc.fields.some((f) => f.presence !== IMPLICIT && f.fieldKind !== 'message' && !f.oneof);
  if (edition !== EDITION_PROTO3 && prototypeChain) return false;
  return desc.fields.every((f) => {
    switch (f.fieldKind) {
      case 'scalar':
        return true;
      case 'enum':
        return f.enum.open;
      case 'map':
        return f.mapKey === ScalarType.STRING && (f.mapKind !== 'message' || !jsonStruct(f));
      case 'message':
        return !f.delimitedEncoding && !jsonStruct(f) && (f.oneof !== undefined || !isWrapperDesc(f.message));
      case 'list':
        return f.listKind !== 'message' || (!f.delimitedEncoding && !jsonStruct(f));
    }
  });
}

/** A type left to protobuf-es: its bytes merged by `mergeFromBinary`, with the recursion budget left. */
function embedded(desc: DescMessage): Plan['read'] {
  return (into, end, depth) => {
    if (depth > RECURSION_LIMIT) throw new Malformed();
    const msg = into ?? (create(desc) as unknown as AnyMessage);
    mergeFromBinary(desc, msg as never, slice(position(), end), { recursionLimit: RECURSION_LIMIT + 1 - depth });
    seek(end);
    return msg;
  };
}

function buildReader(desc: DescMessage): Plan['read'] {
  const byNumber: (FieldReader | undefined)[] = [];
  const byLargeNumber = new Map<number, FieldReader>();
  for (const f of desc.fields) {
    if (f.number < 1024) byNumber[f.number] = fieldReader(f, planOf);
    else byLargeNumber.set(f.number, fieldReader(f, planOf));
  }
  const zero = zeroMessage(desc);
  return (into, end, depth) => {
    if (depth > RECURSION_LIMIT) throw new Malformed();
    const msg = into ?? zero();
    let unknown: UnknownField[] | undefined;
    while (position() < end) {
      const t = tag();
      const no = t >>> 3;
      const wt = t & 7;
      const read = no < 1024 ? byNumber[no] : byLargeNumber.get(no);
      if (read !== undefined) {
        read(msg, wt, end, depth);
        continue;
      }
      const start = position();
      skip(wt, end);
      unknown ??= msg.$unknown ?? [];
      unknown.push({ no, wireType: wt, data: slice(start, position()) });
    }
    if (position() !== end) throw new Malformed();
    if (unknown !== undefined) msg.$unknown = unknown;
    return msg;
  };
}

/**
 * A factory of protobuf-es' zero message of `desc` (what `create(desc)`
 * returns): a copy of one made by `create`, with fresh lists, maps, oneof
 * groups and byte arrays.
 */
function zeroMessage(desc: DescMessage): () => AnyMessage {
  // copied once: `create` leaves a message of many fields in V8's dictionary mode, slow to copy
  const template = Object.assign({}, create(desc)) as unknown as AnyMessage;
  const names: string[] = [];
  const kinds: ('oneof' | 'list' | 'map' | 'bytes')[] = [];
  for (const m of desc.members) {
    const kind =
      m.kind === 'oneof'
        ? 'oneof'
        : m.fieldKind === 'list' || m.fieldKind === 'map'
          ? m.fieldKind
          : m.fieldKind === 'scalar' && m.scalar === ScalarType.BYTES && m.presence === IMPLICIT
            ? 'bytes'
            : undefined;
    if (kind === undefined) continue;
    names.push(m.localName);
    kinds.push(kind);
  }
  return () => {
    // not `{ ...template }`: V8 then adds a property (a set message field) at about 0.7 µs
    const msg = Object.assign({}, template);
    for (let i = 0; i < names.length; i++) {
      const kind = kinds[i];
      msg[names[i]!] =
        kind === 'oneof' ? { case: undefined } : kind === 'list' ? [] : kind === 'map' ? {} : new Uint8Array(0);
    }
    return msg;
  };
}

/**
 * The message `fromBinary(schema, bytes)` returns, deep-equal to it (see the
 * module comment), or the error it throws. Bytes fields and unknown fields are
 * views of `bytes`, as protobuf-es' are.
 */
export function fastFromBinary<Desc extends DescMessage>(schema: Desc, bytes: Uint8Array): MessageShape<Desc> {
  startInput(bytes);
  try {
    return planOf(schema).read(undefined, bytes.byteLength, 1) as unknown as MessageShape<Desc>;
  } catch {
    return fromBinary(schema, bytes);
  } finally {
    endInput();
  }
}

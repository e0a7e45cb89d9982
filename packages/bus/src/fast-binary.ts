/**
 * A faster `toBinary` for protobuf-es messages: the same bytes, written in one
 * pass into one reused buffer. protobuf-es' writer makes a small array or
 * `Uint8Array` for nearly every field (a chunk per string, a copy per nested
 * message) and walks each message through its reflection API; on the
 * publishing path that made encoding a measurement envelope the largest single
 * cost per message and a large share of the garbage collector's work.
 *
 * The field plan of each message type is derived once from its protobuf-es
 * descriptor, so every schema is covered: scalars, enums, messages, oneofs,
 * explicit presence, repeated fields (packed or not), maps with string keys,
 * unknown fields. A message type this encoder does not handle (groups, maps
 * with other key types) is encoded by protobuf-es and embedded as is, and any
 * value protobuf-es would refuse (an int32 out of range, an unset proto2
 * required field, …) makes {@link fastToBinary} hand the whole message to
 * `toBinary`, so errors stay protobuf-es' own. The unit tests compare the
 * output with `toBinary` byte for byte on generated messages of every type
 * the envelope reaches. The buffer and the wire primitives are in
 * `binary-writer.ts`, scalar values in `binary-scalars.ts`.
 */
import {
  ScalarType,
  toBinary,
  type DescField,
  type DescMessage,
  type Message,
  type MessageShape,
} from '@bufbuild/protobuf';
import { isWrapperDesc } from '@bufbuild/protobuf/wkt';
import { isZero, scalar, WIRE_LENGTH_DELIMITED, wireType } from './binary-scalars.js';
import {
  closeDelimited,
  openDelimited,
  raw,
  resetOutput,
  string,
  takeOutput,
  Unsupported,
  varint32,
} from './binary-writer.js';

/** Field presence of proto3 implicit fields (google.protobuf.FeatureSet.FieldPresence.IMPLICIT). */
const IMPLICIT = 2;
/** Field presence of proto2 required fields (LEGACY_REQUIRED): protobuf-es refuses them unset. */
const REQUIRED = 3;

type AnyMessage = Record<string, unknown> & { $unknown?: { no: number; wireType: number; data: Uint8Array }[] };

/** Writes `msg` as a length-delimited message with `plan`. */
function nested(plan: Plan, msg: AnyMessage): void {
  const at = openDelimited();
  plan.write(msg);
  closeDelimited(at);
}

/** How one message type is written; built once per type. */
type Plan = { readonly write: (msg: AnyMessage) => void };
const plans = new Map<string, Plan>();

function planOf(desc: DescMessage): Plan {
  const known = plans.get(desc.typeName);
  if (known !== undefined) return known;
  const plan: { write: (msg: AnyMessage) => void } = { write: () => undefined };
  plans.set(desc.typeName, plan); // before the fields: recursive types find it
  plan.write = buildWriter(desc);
  return plan;
}

/**
 * Whether this encoder writes `desc` itself: not for groups (delimited
 * encoding), maps with keys other than strings, or message fields whose local
 * value is not the message (protobuf-es holds a wrapper type's field as the bare
 * scalar, and a `google.protobuf.Struct` field as a JSON object).
 */
function supported(desc: DescMessage): boolean {
  return desc.fields.every((f) => {
    if (f.fieldKind === 'map') return f.mapKey === ScalarType.STRING && (f.mapKind !== 'message' || plain(f.message));
    if (f.fieldKind === 'message') return !f.delimitedEncoding && plain(f.message);
    if (f.fieldKind === 'list' && f.listKind === 'message') return !f.delimitedEncoding && plain(f.message);
    return true;
  });
}

function plain(desc: DescMessage): boolean {
  return desc.typeName !== 'google.protobuf.Struct' && !isWrapperDesc(desc);
}

function buildWriter(desc: DescMessage): (msg: AnyMessage) => void {
  if (!supported(desc)) {
    return (msg) => raw(toBinary(desc, msg as unknown as Message));
  }
  const fields = [...desc.fields].sort((a, b) => a.number - b.number).map(fieldWriter);
  return (msg) => {
    for (const write of fields) write(msg);
    const unknown = msg.$unknown;
    if (unknown !== undefined) {
      for (const { no, wireType: wt, data } of unknown) {
        varint32(((no << 3) | wt) >>> 0);
        raw(data);
      }
    }
  };
}

/** The writer of one field: reads it (oneof-aware), skips it when unset, writes tag and value. */
function fieldWriter(field: DescField): (msg: AnyMessage) => void {
  const name = field.localName;
  const oneof = field.oneof?.localName;
  const read = (msg: AnyMessage): unknown => {
    if (oneof === undefined) return msg[name];
    const group = msg[oneof] as { case?: string; value?: unknown } | undefined;
    return group?.case === name ? group.value : undefined;
  };
  const explicit = oneof !== undefined || field.presence !== IMPLICIT;
  const isSetExplicit = (msg: AnyMessage): boolean =>
    oneof !== undefined
      ? (msg[oneof] as { case?: string } | undefined)?.case === name
      : msg[name] !== undefined && Object.prototype.hasOwnProperty.call(msg, name);
  const tag = (wt: number): number => ((field.number << 3) | wt) >>> 0;
  switch (field.fieldKind) {
    case 'scalar':
    case 'enum': {
      const type = field.fieldKind === 'enum' ? ScalarType.INT32 : field.scalar;
      const t = tag(wireType(type));
      const zeroEnum = field.fieldKind === 'enum' ? field.enum.values[0]?.number : undefined;
      const unset = (v: unknown): boolean => (field.fieldKind === 'enum' ? v === zeroEnum : isZero(type, v));
      return (msg) => {
        if (explicit) {
          if (!isSetExplicit(msg)) {
            if (field.presence === REQUIRED && oneof === undefined) throw new Unsupported(); // required: toBinary throws
            return;
          }
        } else if (unset(msg[name])) return;
        varint32(t);
        scalar(type, read(msg));
      };
    }
    case 'message': {
      const t = tag(WIRE_LENGTH_DELIMITED);
      const sub = field.message;
      let plan: Plan | undefined; // resolved on first use: the type may still be in the making
      return (msg) => {
        const value = read(msg);
        if (value === undefined || value === null) {
          if (field.presence === REQUIRED && oneof === undefined) throw new Unsupported();
          return;
        }
        if (oneof === undefined && !Object.prototype.hasOwnProperty.call(msg, name)) return;
        varint32(t);
        plan ??= planOf(sub);
        nested(plan, value as AnyMessage);
      };
    }
    case 'list': {
      const kind = field.listKind;
      if (kind === 'message') {
        const t = tag(WIRE_LENGTH_DELIMITED);
        const sub = field.message;
        return (msg) => {
          const list = msg[name] as readonly AnyMessage[];
          if (list.length === 0) return;
          const plan = planOf(sub);
          for (const item of list) {
            varint32(t);
            nested(plan, item);
          }
        };
      }
      const type = kind === 'enum' ? ScalarType.INT32 : field.scalar;
      const packed = field.packed;
      const t = tag(packed ? WIRE_LENGTH_DELIMITED : wireType(type));
      return (msg) => {
        const list = msg[name] as readonly unknown[];
        if (list.length === 0) return;
        varint32(t);
        if (packed) {
          const at = openDelimited();
          for (const item of list) scalar(type, item);
          closeDelimited(at);
          return;
        }
        for (let i = 0; i < list.length; i++) {
          if (i > 0) varint32(t);
          scalar(type, list[i]);
        }
      };
    }
    case 'map': {
      const t = tag(WIRE_LENGTH_DELIMITED);
      const valueTag =
        field.mapKind === 'message'
          ? (2 << 3) | WIRE_LENGTH_DELIMITED
          : (2 << 3) | wireType(field.mapKind === 'enum' ? ScalarType.INT32 : field.scalar);
      const writeValue =
        field.mapKind === 'message'
          ? (() => {
              const sub = field.message;
              return (v: unknown) => {
                nested(planOf(sub), v as AnyMessage);
              };
            })()
          : (() => {
              const type = field.mapKind === 'enum' ? ScalarType.INT32 : field.scalar;
              return (v: unknown) => scalar(type, v);
            })();
      return (msg) => {
        const map = msg[name] as Record<string, unknown>;
        for (const key in map) {
          if (!Object.prototype.hasOwnProperty.call(map, key)) continue;
          varint32(t);
          const at = openDelimited();
          varint32((1 << 3) | WIRE_LENGTH_DELIMITED);
          string(key);
          varint32(valueTag);
          writeValue(map[key]);
          closeDelimited(at);
        }
      };
    }
  }
}

/**
 * The binary encoding of `message`, byte for byte what `toBinary(schema,
 * message)` returns (see the module comment), as a `Buffer` (a `Uint8Array`;
 * small ones share a pooled `ArrayBuffer`, so read it through `byteOffset`).
 */
export function fastToBinary<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): Uint8Array {
  resetOutput();
  try {
    planOf(schema).write(message as unknown as AnyMessage);
  } catch (error) {
    if (error instanceof Unsupported) return toBinary(schema, message);
    throw error;
  }
  return takeOutput();
}

/**
 * The field readers of {@link fastFromBinary} (`fast-from-binary.ts`): one per
 * field, chosen once per field from its descriptor, storing what it reads as
 * protobuf-es' reflection API stores it (oneof groups, merged messages,
 * appended lists, replaced map entries).
 */
import { create, ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { scalarReader, scalarZero } from './binary-read-scalars.js';
import { delimited, Malformed, position, tag } from './binary-reader.js';
import { WIRE_LENGTH_DELIMITED as LD, wireType } from './binary-scalars.js';

export type UnknownField = { no: number; wireType: number; data: Uint8Array };
export type AnyMessage = Record<string, unknown> & { $unknown?: UnknownField[] };
type Oneof = { case: string | undefined; value?: unknown };

/** Reads a message of one type ending at `end`, merged into `into` if given; `depth` is 1 at the top. */
export type Plan = { read: (into: AnyMessage | undefined, end: number, depth: number) => AnyMessage };
/** Reads one field's value whose tag had wire type `wt`, ending before `end` (its message's). */
export type FieldReader = (msg: AnyMessage, wt: number, end: number, depth: number) => void;
/** The plan of a message type (resolved when first read: the type may still be in the making). */
export type PlanOf = (desc: DescMessage) => Plan;

/** Stores `value` as protobuf-es' `set` does: in the oneof group, if the field has one. */
function setter(field: DescField): (msg: AnyMessage, value: unknown) => void {
  const name = field.localName;
  const oneof = field.oneof?.localName;
  if (oneof === undefined) return (msg, value) => (msg[name] = value);
  return (msg, value) => (msg[oneof] = { case: name, value });
}

/** The current value of a message field (to merge into), oneof-aware. */
function getter(field: DescField): (msg: AnyMessage) => AnyMessage | undefined {
  const name = field.localName;
  const oneof = field.oneof?.localName;
  if (oneof === undefined) return (msg) => msg[name] as AnyMessage | undefined;
  return (msg) => {
    const group = msg[oneof] as Oneof;
    return group.case === name ? (group.value as AnyMessage) : undefined;
  };
}

/** The reader of `field`. */
export function fieldReader(field: DescField, planOf: PlanOf): FieldReader {
  const name = field.localName;
  const options = { strict: field.utf8Validation, longAsString: 'longAsString' in field && field.longAsString };
  switch (field.fieldKind) {
    case 'scalar':
    case 'enum': {
      const type = field.fieldKind === 'enum' ? ScalarType.INT32 : field.scalar;
      const wt = wireType(type);
      const read = scalarReader(type, options);
      const set = setter(field);
      return (msg, w, end) => {
        if (w !== wt) throw new Malformed();
        set(msg, read(end));
      };
    }
    case 'message': {
      const sub = field.message;
      const get = getter(field);
      const set = setter(field);
      return (msg, w, end, depth) => {
        if (w !== LD) throw new Malformed();
        const e = delimited(end);
        set(msg, planOf(sub).read(get(msg), e, depth + 1));
      };
    }
    case 'list': {
      if (field.listKind === 'message') {
        const sub = field.message;
        return (msg, w, end, depth) => {
          if (w !== LD) throw new Malformed();
          const e = delimited(end);
          (msg[name] as unknown[]).push(planOf(sub).read(undefined, e, depth + 1));
        };
      }
      const type = field.listKind === 'enum' ? ScalarType.INT32 : field.scalar;
      const wt = wireType(type);
      const packable = type !== ScalarType.STRING && type !== ScalarType.BYTES;
      const read = scalarReader(type, options);
      return (msg, w, end) => {
        const list = msg[name] as unknown[];
        if (w === LD && packable) {
          const e = delimited(end);
          while (position() < e) list.push(read(e));
          if (position() !== e) throw new Malformed();
          return;
        }
        if (w !== wt) throw new Malformed();
        list.push(read(end));
      };
    }
    case 'map':
      return mapReader(field, options, planOf);
  }
}

/** A map entry (key 1, value 2, either may be missing), as protobuf-es' `readMapEntry`; string keys only. */
function mapReader(
  field: DescField & { fieldKind: 'map' },
  options: { strict: boolean; longAsString: boolean },
  planOf: PlanOf,
): FieldReader {
  const name = field.localName;
  const readKey = scalarReader(ScalarType.STRING, options);
  const keyTag = (1 << 3) | LD;
  let valueTag: number;
  let readValue: (end: number, depth: number) => unknown;
  let zeroValue: () => unknown;
  switch (field.mapKind) {
    case 'message': {
      const sub = field.message;
      valueTag = (2 << 3) | LD;
      readValue = (end, depth) => planOf(sub).read(undefined, delimited(end), depth + 1);
      zeroValue = () => create(sub);
      break;
    }
    case 'enum': {
      const first = field.enum.values[0]?.number ?? 0;
      valueTag = (2 << 3) | wireType(ScalarType.INT32);
      readValue = scalarReader(ScalarType.INT32, options);
      zeroValue = () => first;
      break;
    }
    case 'scalar':
      valueTag = (2 << 3) | wireType(field.scalar);
      readValue = scalarReader(field.scalar, options);
      zeroValue = scalarZero(field.scalar, options.longAsString);
      break;
  }
  return (msg: AnyMessage, w: number, end: number, depth: number) => {
    if (w !== LD) throw new Malformed();
    const e = delimited(end);
    let key: unknown;
    let value: unknown;
    while (position() < e) {
      const t = tag();
      if (t === keyTag) key = readKey(e);
      else if (t === valueTag) value = readValue(e, depth);
      else throw new Malformed();
    }
    if (position() !== e || key === '__proto__') throw new Malformed();
    (msg[name] as Record<string, unknown>)[(key as string | undefined) ?? ''] = value ?? zeroValue();
  };
}

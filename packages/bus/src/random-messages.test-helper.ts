/**
 * Generated protobuf-es messages for the codec tests (`fast-binary.test.ts`,
 * `fast-from-binary.test.ts`): random values, from a seeded generator, in
 * random fields of every kind a schema has.
 */
import { create, ScalarType, type DescField, type DescMessage, type Message } from '@bufbuild/protobuf';
import { isWrapperDesc } from '@bufbuild/protobuf/wkt';

/** A small seeded PRNG, so a failure can be replayed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const STRINGS = ['', 'a', 'session-1', 'ümlaut ß', '日本語', '😀 emoji', 'lone \ud800 surrogate', 'x'.repeat(130)];

function scalarValue(type: ScalarType, r: () => number): unknown {
  const int = (max: number) => Math.floor(r() * max);
  switch (type) {
    case ScalarType.STRING:
      return r() < 0.1 ? 'y'.repeat(int(20_000)) : STRINGS[int(STRINGS.length)];
    case ScalarType.BYTES:
      return Uint8Array.from({ length: int(r() < 0.1 ? 300 : 10) }, () => int(256));
    case ScalarType.BOOL:
      return r() < 0.5;
    case ScalarType.DOUBLE:
      return [0, -0, 1.5, -3.25e300, Number.NaN, Infinity, r()][int(7)];
    case ScalarType.FLOAT:
      return [0, -0, 1.5, -2.25, Infinity][int(5)];
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return [0n, 1n, -1n, 2n ** 62n, -(2n ** 63n), 1_700_000_000n][int(6)];
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return [0n, 1n, 2n ** 64n - 1n, 300n][int(4)];
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return [0, 1, 127, 128, 2 ** 32 - 1][int(5)];
    default:
      return [0, 1, -1, 127, 128, -(2 ** 31), 2 ** 31 - 1][int(7)];
  }
}

/** The `i`th key of a map: text for string keys, else what protobuf-es holds as an object key. */
function mapKey(type: ScalarType, i: number): string {
  if (type === ScalarType.STRING) return `${STRINGS[i + 1] ?? 'k'}-${i}`;
  if (type === ScalarType.BOOL) return String(i % 2 === 0);
  return String(i * 1000);
}

function fieldValue(field: DescField, r: () => number, depth: number): unknown {
  // now and then a number the enum does not name (a newer producer's)
  const enumValue = (values: readonly { number: number }[]) =>
    r() < 0.05 ? 77 : (values[Math.floor(r() * values.length)]?.number ?? 0);
  const items = () => Math.floor(r() * 3);
  switch (field.fieldKind) {
    case 'scalar':
      return scalarValue(field.scalar, r);
    case 'enum':
      return enumValue(field.enum.values);
    case 'message': {
      // protobuf-es holds a wrapper type's field (not in a oneof) as the bare value
      const wrapped = isWrapperDesc(field.message) && field.oneof === undefined ? field.message.fields[0] : undefined;
      if (wrapped?.fieldKind === 'scalar') return scalarValue(wrapped.scalar, r);
      return depth > 3 ? undefined : randomMessage(field.message, r, depth + 1);
    }
    case 'list':
      return Array.from({ length: depth > 3 && field.listKind === 'message' ? 0 : items() }, () =>
        field.listKind === 'message'
          ? randomMessage(field.message, r, depth + 1)
          : field.listKind === 'enum'
            ? enumValue(field.enum.values)
            : scalarValue(field.scalar, r),
      );
    case 'map':
      return Object.fromEntries(
        Array.from({ length: depth > 3 ? 0 : items() }, (_, i) => [
          mapKey(field.mapKey, i),
          field.mapKind === 'message'
            ? randomMessage(field.message, r, depth + 1)
            : field.mapKind === 'enum'
              ? enumValue(field.enum.values)
              : scalarValue(field.scalar, r),
        ]),
      );
  }
}

/** A message of `desc` with random values in random fields: every kind of field the schema has. */
export function randomMessage(desc: DescMessage, r: () => number, depth = 0): Message {
  const msg = create(desc) as unknown as Record<string, unknown>;
  for (const member of desc.members) {
    if (member.kind === 'oneof') {
      const pick = member.fields[Math.floor(r() * (member.fields.length + 1))];
      if (pick !== undefined && !(pick.fieldKind === 'message' && depth > 3)) {
        msg[member.localName] = { case: pick.localName, value: fieldValue(pick, r, depth) };
      }
    } else if (r() < 0.8) {
      const value = fieldValue(member, r, depth);
      if (value !== undefined) msg[member.localName] = value;
    }
  }
  return msg as unknown as Message;
}

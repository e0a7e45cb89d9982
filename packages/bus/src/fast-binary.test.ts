import { create, ScalarType, toBinary, type DescField, type DescMessage, type Message } from '@bufbuild/protobuf';
import { EnvelopeSchema, type Envelope } from '@nightglow/contracts/events/v1';
import { MeasurementSchema } from '@nightglow/contracts/instrumentation/v1';
import { describe, expect, it } from 'vitest';
import { fastToBinary } from './fast-binary.js';
import { alertEnvelope, measurementEnvelope } from './testing.js';

/** A small seeded PRNG, so a failure can be replayed. */
function rng(seed: number): () => number {
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

function fieldValue(field: DescField, r: () => number, depth: number): unknown {
  const enumValue = (values: readonly { number: number }[]) => values[Math.floor(r() * values.length)]?.number ?? 0;
  const items = () => Math.floor(r() * 3);
  switch (field.fieldKind) {
    case 'scalar':
      return scalarValue(field.scalar, r);
    case 'enum':
      return enumValue(field.enum.values);
    case 'message':
      return depth > 3 ? undefined : randomMessage(field.message, r, depth + 1);
    case 'list':
      return Array.from({ length: items() }, () =>
        field.listKind === 'message'
          ? randomMessage(field.message, r, depth + 1)
          : field.listKind === 'enum'
            ? enumValue(field.enum.values)
            : scalarValue(field.scalar, r),
      );
    case 'map':
      return Object.fromEntries(
        Array.from({ length: depth > 3 ? 0 : items() }, (_, i) => [
          `${STRINGS[i + 1] ?? 'k'}-${i}`,
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
function randomMessage(desc: DescMessage, r: () => number, depth = 0): Message {
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

describe('fastToBinary', () => {
  it('writes the bytes of toBinary for envelopes of every payload, with random values in every field', () => {
    const r = rng(42);
    for (let i = 0; i < 3000; i++) {
      const envelope = randomMessage(EnvelopeSchema, r) as Envelope;
      const expected = toBinary(EnvelopeSchema, envelope);
      const actual = fastToBinary(EnvelopeSchema, envelope);
      if (!Buffer.from(actual).equals(Buffer.from(expected))) {
        expect({ i, actual: Buffer.from(actual).toString('hex') }).toEqual({
          i,
          actual: Buffer.from(expected).toString('hex'),
        });
      }
    }
  });

  it('writes the bytes of toBinary for the envelopes the bus publishes', () => {
    for (const envelope of [measurementEnvelope('s-1', 1), alertEnvelope('s-2', 2), alertEnvelope('', 3)]) {
      expect(Buffer.from(fastToBinary(EnvelopeSchema, envelope))).toEqual(
        Buffer.from(toBinary(EnvelopeSchema, envelope)),
      );
    }
  });

  it('encodes a message larger than its reused buffer, and small ones after it', () => {
    const large = create(MeasurementSchema, { metric: 'ttfb', url: `https://example.test/${'é'.repeat(100_000)}` });
    const small = create(MeasurementSchema, { metric: 'ttfb', value: 2 });
    for (const m of [small, large, small, large]) {
      expect(Buffer.from(fastToBinary(MeasurementSchema, m))).toEqual(Buffer.from(toBinary(MeasurementSchema, m)));
    }
  });

  it('keeps unknown fields, and leaves values protobuf-es refuses to protobuf-es', () => {
    const m = create(MeasurementSchema, { metric: 'ttfb', value: 1 });
    m.$unknown = [{ no: 99, wireType: 2, data: Uint8Array.of(2, 0x68, 0x69) }];
    expect(Buffer.from(fastToBinary(MeasurementSchema, m))).toEqual(Buffer.from(toBinary(MeasurementSchema, m)));
    const bad = create(MeasurementSchema, { kind: 2 ** 40 });
    expect(() => fastToBinary(MeasurementSchema, bad)).toThrow(/cannot encode field/);
  });
});

import { create, fromBinary, toBinary, type DescMessage, type Message } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, ValueSchema } from '@bufbuild/protobuf/wkt';
import { EnvelopeSchema } from '@nightglow/contracts/events/v1';
import { describe, expect, it } from 'vitest';
import { KeyedSchema, SampleSchema } from './codec-schema.test-helper.js';
import { fastFromBinary } from './fast-from-binary.js';
import { randomMessage, rng } from './random-messages.test-helper.js';
import { alertEnvelope, measurementEnvelope } from './testing.js';

/** Asserts that fastFromBinary returns what fromBinary returns, or throws what it throws. */
function expectSame(desc: DescMessage, bytes: Uint8Array, label: unknown): void {
  let expected: unknown;
  let error: unknown;
  try {
    expected = fromBinary(desc, bytes);
  } catch (e) {
    error = e;
  }
  if (error === undefined) {
    expect({ label, decoded: fastFromBinary(desc, bytes) }).toEqual({ label, decoded: expected });
  } else {
    expect(() => fastFromBinary(desc, bytes), String(label)).toThrow((error as Error).message);
  }
}

/** The encoding of a random message of `desc`, or undefined where protobuf-es refuses the random values. */
function randomBytes(desc: DescMessage, r: () => number): Uint8Array | undefined {
  const msg = randomMessage(desc, r);
  if (r() < 0.3) withUnknown(msg, r);
  try {
    return toBinary(desc, msg);
  } catch {
    return undefined;
  }
}

/** Adds unknown fields of every wire type but groups to `msg` and some of its nested messages. */
function withUnknown(msg: Message, r: () => number): void {
  const fields = [
    { no: 900, wireType: 0, data: Uint8Array.of(0x96, 0x01) },
    { no: 901, wireType: 1, data: new Uint8Array(8).fill(7) },
    { no: 902, wireType: 2, data: Uint8Array.of(3, 0x61, 0x62, 0x63) },
    { no: 903, wireType: 5, data: Uint8Array.of(1, 2, 3, 4) },
  ];
  msg.$unknown = fields.filter(() => r() < 0.6);
  for (const value of Object.values(msg)) {
    const inner = (value as { value?: unknown } | undefined)?.value;
    if (typeof inner === 'object' && inner !== null && '$typeName' in inner) withUnknown(inner as Message, r);
  }
}

/** Length-delimited field `no` holding `data`. */
function ld(no: number, data: Uint8Array): Uint8Array {
  const length: number[] = [];
  for (let n = data.length; ; n >>>= 7) {
    if (n < 0x80) {
      length.push(n);
      break;
    }
    length.push((n & 0x7f) | 0x80);
  }
  return Uint8Array.from([(no << 3) | 2, ...length, ...data]);
}

describe('fastFromBinary', () => {
  it('returns what fromBinary returns for envelopes of every payload, with unknown fields and enum values', () => {
    const r = rng(7);
    for (let i = 0; i < 3000; i++) {
      const bytes = randomBytes(EnvelopeSchema, r);
      if (bytes !== undefined) expectSame(EnvelopeSchema, r() < 0.5 ? Buffer.from(bytes) : bytes, i);
    }
  });

  it('merges repeated messages, appends lists and replaces map entries as fromBinary does', () => {
    const r = rng(11);
    for (let i = 0; i < 500; i++) {
      const [a, b] = [randomBytes(EnvelopeSchema, r), randomBytes(EnvelopeSchema, r)];
      if (a !== undefined && b !== undefined) expectSame(EnvelopeSchema, Buffer.concat([a, b]), i);
    }
  });

  it('reads repeated scalars packed and unpacked, maps, int64 as strings, and types left to protobuf-es', () => {
    const r = rng(5);
    for (let i = 0; i < 500; i++) {
      const desc = r() < 0.8 ? SampleSchema : KeyedSchema;
      const bytes = randomBytes(desc, r);
      if (bytes !== undefined) expectSame(desc, bytes, i);
    }
    // packed where the schema says unpacked and the reverse, mixed in one list
    const packedInts = Uint8Array.of(0x0a, 3, 1, 0x96, 0x01, 0x08, 5, 0x0a, 1, 9);
    const packedSints = Uint8Array.of(0x12, 2, 3, 4, 0x10, 0x7f);
    expectSame(SampleSchema, Buffer.concat([packedInts, packedSints]), 'mixed');
    const keyed = create(KeyedSchema, { byId: { 1: 'one', [-5]: 'minus five' }, wrapped: 42 });
    expect(fastFromBinary(KeyedSchema, toBinary(KeyedSchema, keyed))).toEqual(keyed);
  });

  it('decodes the envelopes the bus publishes, and a proto2 schema through protobuf-es', () => {
    for (const envelope of [measurementEnvelope('s-1', 1), alertEnvelope('s-2', 2), alertEnvelope('', 3)]) {
      expect(fastFromBinary(EnvelopeSchema, toBinary(EnvelopeSchema, envelope))).toEqual(envelope);
    }
    const r = rng(3);
    for (let i = 0; i < 200; i++) {
      const bytes = randomBytes(FileDescriptorProtoSchema, r);
      if (bytes !== undefined) expectSame(FileDescriptorProtoSchema, bytes, i);
    }
  });

  it('decodes strings as TextDecoder does: byte order marks dropped, invalid UTF-8 refused', () => {
    const text = (bytes: number[]) => ld(2, Uint8Array.from(bytes)); // Envelope.type
    const cases = [
      text([0xef, 0xbb, 0xbf, 0x61]),
      text([0x61, 0xef, 0xbb, 0xbf]),
      text([0xc3, 0xa9, 0x61]),
      text([0xc3]),
      text([0xed, 0xa0, 0x80]),
      text([0xc0, 0xaf]),
      text([...Array(40).fill(0x61), 0xff]),
      text([...Array(40).fill(0x61), 0xe6, 0x97, 0xa5]),
    ];
    for (const [i, bytes] of cases.entries()) expectSame(EnvelopeSchema, bytes, i);
  });

  it('throws where fromBinary throws, and returns what it returns, on malformed input', () => {
    const r = rng(99);
    const samples = Array.from({ length: 40 }, () => randomBytes(EnvelopeSchema, r)).filter((b) => b !== undefined);
    samples.push(toBinary(EnvelopeSchema, measurementEnvelope('s-1', 1)));
    for (const [i, bytes] of samples.entries()) {
      for (let n = 0; n < Math.min(bytes.length, 300); n++) expectSame(EnvelopeSchema, bytes.subarray(0, n), [i, n]);
    }
    for (let i = 0; i < 3000; i++) {
      const bytes = Uint8Array.from(samples[i % samples.length]!);
      for (let k = 0; k < 1 + Math.floor(r() * 3); k++) bytes[Math.floor(r() * bytes.length)] = Math.floor(r() * 256);
      expectSame(EnvelopeSchema, bytes, ['mutated', i]);
    }
    for (let i = 0; i < 1000; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(r() * 40) }, () => Math.floor(r() * 256));
      expectSame(EnvelopeSchema, bytes, ['random', i]);
    }
    const odd = [
      Uint8Array.of(0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01), // varint overflow
      Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x10, 0x00), // tag past 32 bits
      Uint8Array.of(0x0b, 0x0c), // a group
      Uint8Array.of(0x0c), // an end group
      Uint8Array.of(0x0f), // wire type 7
      Uint8Array.of(0x08, 0x01), // event_id (a string) with the varint wire type
      Uint8Array.of(0xc8, 0x3e, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), // unknown long varint
      ld(3, Uint8Array.of(0x08, 0x96)), // a nested message cut short
      ld(3, Uint8Array.of(0x08, 0x96, 0x01)).subarray(0, 4), // a length past the end
    ];
    for (const [i, bytes] of odd.entries()) expectSame(EnvelopeSchema, bytes, ['odd', i]);
  });

  it('refuses nesting past protobuf-es’ limit of 100, as fromBinary', () => {
    const nest = (depth: number): Uint8Array => {
      let bytes: Uint8Array = ld(3, new Uint8Array(0)); // Value.string_value ""
      for (let i = 1; i < depth; i++) bytes = ld(6, ld(1, bytes)); // Value.list_value.values
      return bytes;
    };
    for (const depth of [10, 50, 51, 52]) expectSame(ValueSchema, nest(depth), depth);
    expect(() => fastFromBinary(ValueSchema, nest(60))).toThrow(/recursion/);
  });
});

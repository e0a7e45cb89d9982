import { create, toBinary } from '@bufbuild/protobuf';
import { EnvelopeSchema, type Envelope } from '@nightglow/contracts/events/v1';
import { MeasurementSchema } from '@nightglow/contracts/instrumentation/v1';
import { describe, expect, it } from 'vitest';
import { fastToBinary } from './fast-binary.js';
import { randomMessage, rng } from './random-messages.test-helper.js';
import { alertEnvelope, measurementEnvelope } from './testing.js';

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

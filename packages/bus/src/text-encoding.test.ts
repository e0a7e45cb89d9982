import { configureTextEncoding, getTextEncoding } from '@bufbuild/protobuf/wire';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';
import { alertEnvelope, mixedEnvelope } from './testing.js';
import { installFastTextEncoding } from './text-encoding.js';

const samples = ['', 'ascii', 'grüße', '日本語のテキスト', 'emoji 🛰️ x', 'lone \ud800 surrogate', 'x'.repeat(5000)];

describe('fast UTF-8 encoding for protobuf-es', () => {
  it('encodes every string to the same bytes as TextEncoder, lone surrogates included', () => {
    const reference = new TextEncoder();
    installFastTextEncoding();
    installFastTextEncoding(); // idempotent
    const codec = getTextEncoding();
    for (const s of samples) expect(Buffer.from(codec.encodeUtf8(s))).toEqual(Buffer.from(reference.encode(s)));
    expect(codec.decodeUtf8(codec.encodeUtf8('grüße'))).toBe('grüße');
    expect(() => codec.decodeUtf8(new Uint8Array([0xff, 0xfe]), true)).toThrow();
  });

  it('encodes envelopes to the same bytes as with TextEncoder, and they round-trip', () => {
    installFastTextEncoding();
    const fast = getTextEncoding();
    const envelopes = samples.map((s, i) => {
      const e = i % 2 === 0 ? alertEnvelope(s, i) : mixedEnvelope(s, i);
      e.labels['note'] = s;
      return e;
    });
    const reference = new TextEncoder();
    configureTextEncoding({ ...fast, encodeUtf8: (s) => reference.encode(s) });
    const expected = envelopes.map((e) => encodeEnvelope(e));
    configureTextEncoding(fast);
    envelopes.forEach((e, i) => {
      const bytes = encodeEnvelope(e);
      expect(Buffer.from(bytes)).toEqual(Buffer.from(expected[i] ?? []));
      // a lone surrogate becomes U+FFFD with either encoder, so only well-formed text round-trips
      if (!samples[i]?.includes('\ud800')) expect(decodeEnvelope(bytes)).toEqual(e);
    });
  });
});

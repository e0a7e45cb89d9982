import { describe, expect, it } from 'vitest';
import { acceptKey, buildFrame, closeFrame, createFrameReader, OP, payloadOf, type WsFrame } from './ws-frames.js';

const read = (chunks: readonly Buffer[], maxPayload = 1 << 20) => {
  const frames: WsFrame[] = [];
  const reader = createFrameReader((f) => frames.push({ ...f, raw: Buffer.from(f.raw) }), maxPayload);
  const problems = chunks.map((c) => reader.push(c)).filter((p) => p !== undefined);
  return { frames, problems };
};

describe('WebSocket frames of the relay', () => {
  it('round-trips masked and unmasked frames of every length class', () => {
    for (const n of [0, 5, 125, 126, 65_535, 65_536, 200_000]) {
      const payload = Buffer.alloc(n, 'x');
      for (const masked of [false, true]) {
        const { frames } = read([buildFrame(OP.TEXT, payload, masked)]);
        expect(frames).toHaveLength(1);
        const [f] = frames;
        expect(f?.fin).toBe(true);
        expect(f?.opcode).toBe(OP.TEXT);
        expect((f?.maskAt ?? -1) >= 0).toBe(masked);
        expect(f && payloadOf(f).equals(payload)).toBe(true);
      }
    }
  });

  it('cuts frames split anywhere across chunks, and several frames in one chunk, keeping their bytes', () => {
    const a = buildFrame(OP.TEXT, Buffer.from('{"id":1,"method":"Runtime.evaluate"}'), true);
    const b = buildFrame(OP.TEXT, Buffer.alloc(70_000, 'y'), false);
    const c = closeFrame(1000, 'bye', false);
    const stream = Buffer.concat([a, b, c]);
    for (const cut of [1, 2, 3, 7, a.length, a.length + 1, a.length + 9, stream.length - 1]) {
      const { frames } = read([stream.subarray(0, cut), stream.subarray(cut)]);
      expect(frames.map((f) => f.raw.length)).toEqual([a.length, b.length, c.length]);
      expect(frames[0]?.raw.equals(a)).toBe(true);
      expect(frames[2]?.opcode).toBe(OP.CLOSE);
      expect(frames[2] && payloadOf(frames[2]).readUInt16BE(0)).toBe(1000);
    }
    const bytewise = read([...stream].map((byte) => Buffer.from([byte])));
    expect(bytewise.frames.map((f) => f.opcode)).toEqual([OP.TEXT, OP.TEXT, OP.CLOSE]);
  });

  it('reads a two-byte frame without waiting for more bytes', () => {
    const { frames } = read([Buffer.from([0x89, 0x00])]); // an empty ping
    expect(frames.map((f) => [f.opcode, f.fin])).toEqual([[OP.PING, true]]);
  });

  it('reports a frame over the payload limit as 1009', () => {
    const { problems } = read([buildFrame(OP.BINARY, Buffer.alloc(2_000), false)], 1_000);
    expect(problems).toEqual([{ code: 1009, reason: 'frame too large' }]);
  });

  it('computes the RFC 6455 accept key', () => {
    expect(acceptKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });
});

/**
 * Just enough RFC 6455 for a relay that forwards frames without re-framing
 * them: a reader that cuts a byte stream into whole frames (their original
 * bytes plus where the payload lies), payload unmasking, and builders for the
 * few frames the proxy writes itself (its answers, rewritten commands, close).
 * Client frames stay masked as the client masked them and server frames stay
 * unmasked, so a frame the confinement rules pass goes out byte for byte.
 */
import { createHash, randomFillSync } from 'node:crypto';

/** Opcodes the relay tells apart. */
export const OP = { CONTINUATION: 0, TEXT: 1, BINARY: 2, CLOSE: 8, PING: 9, PONG: 10 } as const;

/** One whole frame as read: `raw` holds its header and payload exactly as received. */
export type WsFrame = {
  readonly raw: Buffer;
  readonly fin: boolean;
  readonly opcode: number;
  /** Offset of the 4-byte masking key in `raw`, or -1 for an unmasked frame. */
  readonly maskAt: number;
  /** Offset of the payload in `raw`. */
  readonly payloadAt: number;
};

/** Why a byte stream is not a WebSocket stream this relay accepts (a close code and reason). */
export type FrameError = { readonly code: 1002 | 1009; readonly reason: string };

/** Cuts a stream into frames; `push` returns a {@link FrameError} once the stream is unusable. */
export type FrameReader = { push(chunk: Buffer): FrameError | undefined };

type Header = { readonly length: number; readonly total: number } | FrameError;

/** The header and total length of the frame at `at`, or the bytes still needed to know them. */
function header(buf: Buffer, at: number, maxPayload: number): Header | number {
  const avail = buf.length - at;
  if (avail < 2) return 2;
  const b1 = buf[at + 1] ?? 0;
  const masked = (b1 & 0x80) !== 0;
  const len7 = b1 & 0x7f;
  const ext = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
  const length = 2 + ext + (masked ? 4 : 0);
  if (avail < length) return length;
  let payload = len7;
  if (len7 === 126) payload = buf.readUInt16BE(at + 2);
  else if (len7 === 127) {
    if (buf.readUInt32BE(at + 2) !== 0) return { code: 1009, reason: 'frame too large' };
    payload = buf.readUInt32BE(at + 6);
  }
  if (payload > maxPayload) return { code: 1009, reason: 'frame too large' };
  return { length, total: length + payload };
}

/** Creates a reader calling `onFrame` with every whole frame, in order. */
export function createFrameReader(onFrame: (frame: WsFrame) => void, maxPayload: number): FrameReader {
  let parts: Buffer[] = [];
  let buffered = 0;
  let need = 0;
  const cut = (buf: Buffer): FrameError | undefined => {
    let at = 0;
    while (at < buf.length) {
      const h = header(buf, at, maxPayload);
      if (typeof h === 'number' || ('total' in h && at + h.total > buf.length)) {
        need = typeof h === 'number' ? h : h.total;
        break;
      }
      if (!('total' in h)) return h;
      const b0 = buf[at] ?? 0;
      const masked = ((buf[at + 1] ?? 0) & 0x80) !== 0;
      onFrame({
        raw: buf.subarray(at, at + h.total),
        fin: (b0 & 0x80) !== 0,
        opcode: b0 & 0x0f,
        maskAt: masked ? h.length - 4 : -1,
        payloadAt: h.length,
      });
      at += h.total;
    }
    if (at < buf.length) {
      parts = [buf.subarray(at)];
      buffered = buf.length - at;
    }
    return undefined;
  };
  return {
    push(chunk) {
      if (buffered === 0) return cut(chunk);
      parts.push(chunk);
      buffered += chunk.length;
      if (buffered < need) return undefined;
      const all = Buffer.concat(parts, buffered);
      parts = [];
      buffered = 0;
      return cut(all);
    },
  };
}

/** The payload of `frame`, unmasked (a copy for a masked frame, a view otherwise). */
export function payloadOf(frame: WsFrame): Buffer {
  const data = frame.raw.subarray(frame.payloadAt);
  if (frame.maskAt < 0) return data;
  const out = Buffer.allocUnsafe(data.length);
  const m0 = frame.raw[frame.maskAt] ?? 0;
  const m1 = frame.raw[frame.maskAt + 1] ?? 0;
  const m2 = frame.raw[frame.maskAt + 2] ?? 0;
  const m3 = frame.raw[frame.maskAt + 3] ?? 0;
  const n = data.length;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    out[i] = (data[i] ?? 0) ^ m0;
    out[i + 1] = (data[i + 1] ?? 0) ^ m1;
    out[i + 2] = (data[i + 2] ?? 0) ^ m2;
    out[i + 3] = (data[i + 3] ?? 0) ^ m3;
  }
  const mask = [m0, m1, m2, m3];
  for (; i < n; i++) out[i] = (data[i] ?? 0) ^ (mask[i & 3] ?? 0);
  return out;
}

/** A whole frame (FIN set) with `payload`, masked with a fresh key when `masked` (client → server). */
export function buildFrame(opcode: number, payload: Buffer, masked: boolean): Buffer {
  const n = payload.length;
  const ext = n < 126 ? 0 : n < 65536 ? 2 : 8;
  const head = 2 + ext + (masked ? 4 : 0);
  const out = Buffer.allocUnsafe(head + n);
  out[0] = 0x80 | opcode;
  out[1] = (masked ? 0x80 : 0) | (ext === 0 ? n : ext === 2 ? 126 : 127);
  if (ext === 2) out.writeUInt16BE(n, 2);
  if (ext === 8) {
    out.writeUInt32BE(0, 2);
    out.writeUInt32BE(n, 6);
  }
  if (!masked) {
    payload.copy(out, head);
    return out;
  }
  const key = randomFillSync(Buffer.allocUnsafe(4));
  key.copy(out, head - 4);
  for (let i = 0; i < n; i++) out[head + i] = (payload[i] ?? 0) ^ (key[i & 3] ?? 0);
  return out;
}

/** A close frame with `code` and `reason` (at most 123 bytes of it). */
export function closeFrame(code: number, reason: string, masked: boolean): Buffer {
  const text = Buffer.from(reason, 'utf8').subarray(0, 123);
  const payload = Buffer.allocUnsafe(2 + text.length);
  payload.writeUInt16BE(code, 0);
  text.copy(payload, 2);
  return buildFrame(OP.CLOSE, payload, masked);
}

/** `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`. */
export function acceptKey(key: string): string {
  return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
}

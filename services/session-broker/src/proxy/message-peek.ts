/**
 * Cheap looks into raw CDP frames from the browser, so the proxy's hot path
 * does not parse a multi-megabyte screenshot to learn which session it is for.
 * Chromium writes compact JSON with `id` or `method` first and a flat
 * session's `sessionId` as the last top-level key. Anything that does not
 * match those shapes exactly is reported as unknown and the caller parses it.
 */

const TAIL = Buffer.from(',"sessionId":"');
const ID_HEAD = Buffer.from('{"id":');
const TARGET_EVENT_HEAD = Buffer.from('{"method":"Target.');
const SESSION_ID = /^[0-9A-Za-z._-]{1,128}$/;

/**
 * The top-level `sessionId` of a frame: a string when the frame ends in
 * `,"sessionId":"<id>"}` (that key is then necessarily top level: a nested
 * object would need one more `}`), `null` when the frame carries no such tail.
 */
export function peekSessionId(frame: Buffer): string | null {
  if (frame.length < TAIL.length + 3 || frame[frame.length - 1] !== 0x7d || frame[frame.length - 2] !== 0x22)
    return null;
  const at = frame.lastIndexOf(TAIL);
  if (at < 0) return null;
  const id = frame.toString('latin1', at + TAIL.length, frame.length - 2);
  return SESSION_ID.test(id) ? id : null;
}

/** The leading `id` of a response frame (`{"id":123,…`), or undefined for events and other shapes. */
export function peekId(frame: Buffer): number | undefined {
  if (frame.length < ID_HEAD.length + 2 || frame.compare(ID_HEAD, 0, ID_HEAD.length, 0, ID_HEAD.length) !== 0) {
    return undefined;
  }
  let n = 0;
  let i = ID_HEAD.length;
  for (; i < frame.length && i < ID_HEAD.length + 16; i++) {
    const c = frame[i] ?? 0;
    if (c < 0x30 || c > 0x39) break;
    n = n * 10 + (c - 0x30);
  }
  return i > ID_HEAD.length && frame[i] === 0x2c ? n : undefined;
}

const CLIENT_HEAD = /^\{(?:"id":\d+,)?"method":"([A-Za-z]+)\.([A-Za-z]+)"/;

/**
 * The domain of a client command when the frame starts with its top-level `method`
 * (`{"method":"Runtime.evaluate",…` as puppeteer writes it, or `{"id":1,"method":…` as
 * Playwright does); undefined for any other shape (the caller then parses).
 */
export function peekClientDomain(frame: Buffer): string | undefined {
  return CLIENT_HEAD.exec(frame.toString('latin1', 0, Math.min(frame.length, 96)))?.[1];
}

/** Whether a frame is a `Target.*` event (these are always inspected). */
export function isTargetEvent(frame: Buffer): boolean {
  return (
    frame.length > TARGET_EVENT_HEAD.length &&
    frame.compare(TARGET_EVENT_HEAD, 0, TARGET_EVENT_HEAD.length, 0, TARGET_EVENT_HEAD.length) === 0
  );
}

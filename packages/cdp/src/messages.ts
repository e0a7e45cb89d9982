/**
 * The CDP wire format (JSON-RPC-like, flat sessions): commands carry an `id`, the
 * answer carries the same `id` with `result` or `error`, events carry `method`
 * and no `id`. A flat session's traffic is tagged with `sessionId`.
 */

/** A command as sent to the browser. */
export type CdpCommandMessage = {
  readonly id: number;
  readonly method: string;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly sessionId?: string;
};

/** The browser's error object in a response. */
export type CdpProtocolError = { readonly code: number; readonly message: string; readonly data?: string };

/** The answer to the command with the same `id`. */
export type CdpResponseMessage = {
  readonly kind: 'response';
  readonly id: number;
  readonly result?: Record<string, unknown>;
  readonly error?: CdpProtocolError;
  readonly sessionId?: string;
};

/** An event; `sessionId` is absent for the browser target. */
export type CdpEventMessage = {
  readonly kind: 'event';
  readonly method: string;
  readonly params: Record<string, unknown>;
  readonly sessionId?: string;
};

/** A parsed incoming message. */
export type CdpIncomingMessage = CdpResponseMessage | CdpEventMessage;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseError(value: unknown): CdpProtocolError | undefined {
  if (!isRecord(value)) return undefined;
  const code = typeof value['code'] === 'number' ? value['code'] : 0;
  const message = typeof value['message'] === 'string' ? value['message'] : 'unknown protocol error';
  return typeof value['data'] === 'string' ? { code, message, data: value['data'] } : { code, message };
}

/**
 * Parses one text frame from the browser. Returns `undefined` for anything that is
 * neither a response nor an event (not JSON, no `id` and no `method`), so a stray
 * frame can be counted and dropped instead of breaking the connection.
 */
export function parseCdpMessage(text: string): CdpIncomingMessage | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(raw)) return undefined;
  const sessionId = typeof raw['sessionId'] === 'string' ? { sessionId: raw['sessionId'] } : {};
  if (typeof raw['id'] === 'number') {
    const error = parseError(raw['error']);
    if (error !== undefined) return { kind: 'response', id: raw['id'], error, ...sessionId };
    const result = isRecord(raw['result']) ? raw['result'] : {};
    return { kind: 'response', id: raw['id'], result, ...sessionId };
  }
  if (typeof raw['method'] === 'string') {
    const params = isRecord(raw['params']) ? raw['params'] : {};
    return { kind: 'event', method: raw['method'], params, ...sessionId };
  }
  return undefined;
}

const EVENT_PREFIX = '{"method":"';

/**
 * The method of an event frame as Chromium writes it (`{"method":"X",…`), read
 * without parsing the frame; undefined for anything else (responses, other
 * layouts). Lets a connection drop events nobody listens to unparsed.
 */
export function peekEventMethod(text: string): string | undefined {
  if (!text.startsWith(EVENT_PREFIX)) return undefined;
  const end = text.indexOf('"', EVENT_PREFIX.length);
  if (end < 0) return undefined;
  const method = text.slice(EVENT_PREFIX.length, end);
  return method.includes('\\') ? undefined : method; // an escape: leave it to the full parse
}

/**
 * The one error type of the CDP client. Every rejection from this package is a
 * {@link CdpError}; the `code` says what happened and `retryable` says whether the
 * same call may succeed when repeated (on a fresh connection or session where the
 * old one is gone), so callers never guess from a message.
 */

/**
 * What went wrong:
 * - `TIMEOUT`: no answer within the command timeout (a frozen tab, a hung browser).
 * - `PROTOCOL`: the browser answered with a CDP error (`protocolCode`, `protocolMessage`).
 * - `CLOSED`: the connection closed (by either side) before the answer arrived.
 * - `TARGET_CLOSED`: the session detached or its target went away before answering.
 * - `CONNECT`: the browser could not be reached (HTTP `/json/version` or WebSocket handshake).
 * - `EVALUATION`: an evaluated expression threw inside the page.
 * - `INVALID_ARGUMENT`: the caller passed a value this client refuses (e.g. a timeout of 0).
 * - `INTERNAL`: anything else, normalized by {@link CdpError.from}.
 */
export type CdpErrorCode =
  'TIMEOUT' | 'PROTOCOL' | 'CLOSED' | 'TARGET_CLOSED' | 'CONNECT' | 'EVALUATION' | 'INVALID_ARGUMENT' | 'INTERNAL';

const RETRYABLE: Readonly<Record<CdpErrorCode, boolean>> = {
  TIMEOUT: true,
  PROTOCOL: false,
  CLOSED: true,
  TARGET_CLOSED: false,
  CONNECT: true,
  EVALUATION: false,
  INVALID_ARGUMENT: false,
  INTERNAL: false,
};

/** Fields of a {@link CdpError}; only `code` and `message` are required. */
export type CdpErrorInit = {
  readonly code: CdpErrorCode;
  readonly message: string;
  /** The CDP method of the failed command, e.g. `Page.navigate`. */
  readonly method?: string;
  /** The flat session the command was sent to; absent for the browser target. */
  readonly sessionId?: string;
  /** The browser's JSON-RPC error code, e.g. -32000, -32001 (session not found), -32602. */
  readonly protocolCode?: number;
  /** The browser's error message, verbatim. */
  readonly protocolMessage?: string;
  /** The browser's optional error `data`. */
  readonly protocolData?: string;
  readonly cause?: unknown;
};

/** An error from the CDP client: a {@link CdpErrorCode}, the command it belongs to, and the browser's own words. */
export class CdpError extends Error {
  override readonly name = 'CdpError';
  readonly code: CdpErrorCode;
  readonly method: string | undefined;
  readonly sessionId: string | undefined;
  readonly protocolCode: number | undefined;
  readonly protocolMessage: string | undefined;
  readonly protocolData: string | undefined;

  constructor(init: CdpErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.method = init.method;
    this.sessionId = init.sessionId;
    this.protocolCode = init.protocolCode;
    this.protocolMessage = init.protocolMessage;
    this.protocolData = init.protocolData;
  }

  /** Whether repeating the call (on a fresh connection or session if the old one is gone) may succeed. */
  get retryable(): boolean {
    return RETRYABLE[this.code];
  }

  /** Normalizes anything thrown: a CdpError is returned as is, anything else becomes `INTERNAL` with it as `cause`. */
  static from(error: unknown): CdpError {
    if (error instanceof CdpError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new CdpError({ code: 'INTERNAL', message, cause: error });
  }
}

/** True when `error` is a {@link CdpError}, optionally with the given code. */
export function isCdpError(error: unknown, code?: CdpErrorCode): error is CdpError {
  return error instanceof CdpError && (code === undefined || error.code === code);
}

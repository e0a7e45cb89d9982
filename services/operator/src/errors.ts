/**
 * The operator's one error type. Every failure that crosses a port (the
 * Kubernetes API, the broker, the executor) becomes an {@link OperatorError}
 * with a code, the original `cause`, and whether retrying can help. The
 * controller runner reads `retryable`: a retryable error is retried with
 * per-key exponential backoff; a terminal one is logged and not retried
 * (the object waits for its next change).
 */

/** What went wrong, in the terms the reconcilers act on. */
export type OperatorErrorCode =
  'NOT_FOUND' | 'ALREADY_EXISTS' | 'CONFLICT' | 'GONE' | 'INVALID' | 'FORBIDDEN' | 'UNAVAILABLE' | 'INTERNAL';

const RETRYABLE: Readonly<Record<OperatorErrorCode, boolean>> = {
  NOT_FOUND: false,
  ALREADY_EXISTS: false,
  CONFLICT: true,
  GONE: true,
  INVALID: false,
  FORBIDDEN: true,
  UNAVAILABLE: true,
  INTERNAL: true,
};

/** Options of {@link OperatorError}. */
export type OperatorErrorOptions = {
  readonly cause?: unknown;
  /** Overrides the code's default (see {@link OperatorError.retryable}). */
  readonly retryable?: boolean;
  /** HTTP status of a Kubernetes API answer, when there was one. */
  readonly status?: number;
};

/** A failure at a port, with a code, a cause and whether a retry can help. */
export class OperatorError extends Error {
  override readonly name = 'OperatorError';
  readonly code: OperatorErrorCode;
  /**
   * True when the same call may succeed later: CONFLICT, GONE, FORBIDDEN
   * (RBAC may be fixed), UNAVAILABLE and INTERNAL by default.
   */
  readonly retryable: boolean;
  readonly status: number | undefined;

  constructor(code: OperatorErrorCode, message: string, opts: OperatorErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.retryable = opts.retryable ?? RETRYABLE[code];
    this.status = opts.status;
  }

  /** Normalizes anything thrown: an OperatorError passes through, anything else is INTERNAL (retryable). */
  static from(e: unknown): OperatorError {
    if (e instanceof OperatorError) return e;
    const message = e instanceof Error ? e.message : String(e);
    return new OperatorError('INTERNAL', message, { cause: e });
  }
}

/** True when `e` is an OperatorError with `code`. */
export function hasCode(e: unknown, code: OperatorErrorCode): boolean {
  return e instanceof OperatorError && e.code === code;
}

/** A terminal error: the reconcile gives up on this object until it changes. */
export function terminal(code: OperatorErrorCode, message: string, cause?: unknown): OperatorError {
  return new OperatorError(code, message, { retryable: false, cause });
}

/**
 * The sidecar's one domain error. Domain code throws `SidecarError` with a code
 * (and field violations for bad input); only the RPC boundary turns it into a
 * Connect/gRPC status, through {@link SidecarError.toConnectError}.
 */
import { Code, ConnectError } from '@connectrpc/connect';
import { invalidArgument, notFound, withReason, type FieldViolation } from '@nightglow/runtime';

/** What went wrong. `INVALID_ARGUMENT` carries field violations; `UNAVAILABLE` is retryable. */
export type SidecarErrorCode = 'INVALID_ARGUMENT' | 'NOT_FOUND' | 'UNAVAILABLE' | 'FAILED_PRECONDITION' | 'INTERNAL';

/** Options of a {@link SidecarError}. */
export type SidecarErrorOptions = {
  readonly violations?: readonly FieldViolation[];
  /** For NOT_FOUND: the kind and name of the missing resource. */
  readonly resource?: { readonly type: string; readonly name: string };
  readonly cause?: unknown;
};

/** A sidecar failure with a code, optional field violations and a cause. */
export class SidecarError extends Error {
  override readonly name = 'SidecarError';
  readonly code: SidecarErrorCode;
  readonly violations: readonly FieldViolation[];
  readonly resource: { readonly type: string; readonly name: string } | undefined;

  constructor(code: SidecarErrorCode, message: string, options: SidecarErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.violations = options.violations ?? [];
    this.resource = options.resource;
  }

  /** True for errors worth retrying later (the browser or Kafka is not there yet). */
  get retryable(): boolean {
    return this.code === 'UNAVAILABLE';
  }

  /** Bad input with every offending field named, e.g. `blueprints[2].trigger`. */
  static invalid(violations: readonly FieldViolation[]): SidecarError {
    const message = violations.map((v) => `${v.field}: ${v.description}`).join('; ');
    return new SidecarError('INVALID_ARGUMENT', message, { violations });
  }

  /** An unknown instrument (or other named resource). */
  static notFound(type: string, name: string): SidecarError {
    return new SidecarError('NOT_FOUND', `${type} ${JSON.stringify(name)} not found`, { resource: { type, name } });
  }

  /** Normalizes anything thrown into a SidecarError (`INTERNAL` unless it already is one). */
  static from(error: unknown): SidecarError {
    if (error instanceof SidecarError) return error;
    return new SidecarError('INTERNAL', error instanceof Error ? error.message : String(error), { cause: error });
  }

  /** The gRPC status sent to clients; the INTERNAL message never leaves the process. */
  toConnectError(): ConnectError {
    switch (this.code) {
      case 'INVALID_ARGUMENT':
        return invalidArgument(this.violations, this.message);
      case 'NOT_FOUND':
        return notFound(this.resource?.type ?? 'resource', this.resource?.name ?? '');
      case 'UNAVAILABLE':
        return withReason(Code.Unavailable, 'SIDECAR_UNAVAILABLE', this.message);
      case 'FAILED_PRECONDITION':
        return withReason(Code.FailedPrecondition, 'SIDECAR_PRECONDITION', this.message);
      case 'INTERNAL':
        return new ConnectError('internal error', Code.Internal);
    }
  }
}

/** True when `error` is a SidecarError (of `code`, if given). */
export function isSidecarError(error: unknown, code?: SidecarErrorCode): error is SidecarError {
  return error instanceof SidecarError && (code === undefined || error.code === code);
}

/**
 * The executor's one domain error. Domain code throws `ExecutorError`; only the
 * RPC boundary turns it into a Connect/gRPC status (it implements the runtime's
 * `RpcMappable`), with google.rpc details: BadRequest field violations for
 * INVALID_ARGUMENT, ResourceInfo for NOT_FOUND, ErrorInfo otherwise.
 */
import { Code, ConnectError } from '@connectrpc/connect';
import { invalidArgument, notFound, withReason, type FieldViolation } from '@nightglow/runtime';

/** What went wrong, in domain terms; each maps to exactly one gRPC code. */
export type ExecutorErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'PERMISSION_DENIED'
  | 'FAILED_PRECONDITION'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAVAILABLE'
  | 'INTERNAL';

/** Options of {@link ExecutorError}. */
export type ExecutorErrorOptions = {
  /** Field violations (INVALID_ARGUMENT), e.g. `actions[3].click.selector`. */
  readonly violations?: readonly FieldViolation[];
  /** The missing resource (NOT_FOUND): its type (`session`, `template`, `task`) and name. */
  readonly resource?: { readonly type: string; readonly name: string };
  /** Machine-readable reason for ErrorInfo, e.g. `EVALUATE_NOT_ALLOWED`. */
  readonly reason?: string;
  /** Whether retrying the same call later may succeed. Default: true for UNAVAILABLE only. */
  readonly retryable?: boolean;
  readonly cause?: unknown;
};

const CODES: Record<ExecutorErrorCode, Code> = {
  INVALID_ARGUMENT: Code.InvalidArgument,
  NOT_FOUND: Code.NotFound,
  PERMISSION_DENIED: Code.PermissionDenied,
  FAILED_PRECONDITION: Code.FailedPrecondition,
  RESOURCE_EXHAUSTED: Code.ResourceExhausted,
  UNAVAILABLE: Code.Unavailable,
  INTERNAL: Code.Internal,
};

/** A task-executor domain error with a code, optional field details and a `cause`. */
export class ExecutorError extends Error {
  readonly code: ExecutorErrorCode;
  readonly violations: readonly FieldViolation[];
  readonly resource: { readonly type: string; readonly name: string } | undefined;
  readonly reason: string | undefined;
  readonly retryable: boolean;

  constructor(code: ExecutorErrorCode, message: string, opts: ExecutorErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ExecutorError';
    this.code = code;
    this.violations = opts.violations ?? [];
    this.resource = opts.resource;
    this.reason = opts.reason;
    this.retryable = opts.retryable ?? code === 'UNAVAILABLE';
  }

  /** INVALID_ARGUMENT listing every bad field. */
  static invalid(violations: readonly FieldViolation[]): ExecutorError {
    const message = violations.map((v) => `${v.field}: ${v.description}`).join('; ');
    return new ExecutorError('INVALID_ARGUMENT', message, { violations });
  }

  /** NOT_FOUND naming the resource type and name; `field` adds a BadRequest-style pointer in the message. */
  static notFound(type: string, name: string): ExecutorError {
    return new ExecutorError('NOT_FOUND', `${type} ${JSON.stringify(name)} not found`, { resource: { type, name } });
  }

  /** Normalizes anything thrown into an ExecutorError (INTERNAL unless it already is one). */
  static from(e: unknown): ExecutorError {
    if (e instanceof ExecutorError) return e;
    return new ExecutorError('INTERNAL', e instanceof Error ? e.message : String(e), { cause: e });
  }

  /** The status sent to clients; INTERNAL never carries the message. */
  toConnectError(): ConnectError {
    if (this.code === 'INVALID_ARGUMENT' && this.violations.length > 0) return invalidArgument(this.violations);
    if (this.code === 'NOT_FOUND' && this.resource) return notFound(this.resource.type, this.resource.name);
    if (this.code === 'INTERNAL') return new ConnectError('internal error', Code.Internal);
    if (this.reason) return withReason(CODES[this.code], this.reason, this.message);
    return new ConnectError(this.message, CODES[this.code]);
  }
}

/** Whether `e` is an {@link ExecutorError}. */
export function isExecutorError(e: unknown): e is ExecutorError {
  return e instanceof ExecutorError;
}

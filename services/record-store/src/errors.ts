/**
 * The record store's one domain error. Domain code throws `RecordStoreError`
 * with a code; only the RPC boundary (`rpc/error-mapping.ts`) turns it into a
 * gRPC/Connect code. `retryable` says whether the same call may succeed later
 * (a database outage) or never will (a bad argument).
 */

/** What went wrong, independent of any transport. */
export type RecordStoreErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAVAILABLE'
  | 'SEALED'
  | 'INTERNAL';

/** One bad field of a request, e.g. `events[2].type`. */
export type FieldProblem = { readonly field: string; readonly description: string };

/** Options of {@link RecordStoreError}. */
export type RecordStoreErrorOptions = {
  readonly cause?: unknown;
  /** Defaults: true for UNAVAILABLE, false otherwise. */
  readonly retryable?: boolean;
  /** Field problems (INVALID_ARGUMENT). */
  readonly fields?: readonly FieldProblem[];
  /** The missing resource (NOT_FOUND), e.g. `{type: 'TaskRecord', name: id}`. */
  readonly resource?: { readonly type: string; readonly name: string };
};

/** The record store's error: a code, a safe message, a cause, and whether retrying may help. */
export class RecordStoreError extends Error {
  override readonly name = 'RecordStoreError';
  readonly code: RecordStoreErrorCode;
  readonly retryable: boolean;
  readonly fields: readonly FieldProblem[];
  readonly resource: { readonly type: string; readonly name: string } | undefined;

  constructor(code: RecordStoreErrorCode, message: string, opts: RecordStoreErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.retryable = opts.retryable ?? code === 'UNAVAILABLE';
    this.fields = opts.fields ?? [];
    this.resource = opts.resource;
  }

  /** Normalizes anything thrown: a RecordStoreError passes through, a database error becomes UNAVAILABLE or INTERNAL. */
  static from(e: unknown): RecordStoreError {
    if (e instanceof RecordStoreError) return e;
    const sqlState = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
    if (typeof sqlState === 'string' && /^(08|57P|53)/.test(sqlState)) {
      return new RecordStoreError('UNAVAILABLE', 'database unavailable', { cause: e });
    }
    if (sqlState === 'P0001' && String((e as Error).message).includes('sealed')) {
      return new RecordStoreError('SEALED', 'task record is sealed', { cause: e });
    }
    if (isNetworkError(e)) return new RecordStoreError('UNAVAILABLE', 'database unavailable', { cause: e });
    return new RecordStoreError('INTERNAL', 'internal error', { cause: e });
  }
}

function isNetworkError(e: unknown): boolean {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'EPIPE';
}

/** Shorthand for an INVALID_ARGUMENT error listing field problems. */
export function invalid(fields: readonly FieldProblem[]): RecordStoreError {
  const message = fields.map((f) => `${f.field}: ${f.description}`).join('; ');
  return new RecordStoreError('INVALID_ARGUMENT', message, { fields });
}

/** Shorthand for a NOT_FOUND error naming the resource. */
export function missing(type: string, name: string): RecordStoreError {
  return new RecordStoreError('NOT_FOUND', `${type} ${JSON.stringify(name)} not found`, { resource: { type, name } });
}

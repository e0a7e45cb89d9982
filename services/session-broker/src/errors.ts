/**
 * The broker's one domain error. Domain code throws {@link BrokerError}s with a
 * code, an optional cause and details (bad fields, a machine-readable reason,
 * the resource that is missing); only the RPC boundary (`rpc/error-mapping.ts`)
 * turns them into gRPC codes, and the proxy into HTTP statuses.
 */

/** What went wrong, in domain terms (named after the gRPC code it maps to). */
export type BrokerErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'OUT_OF_RANGE'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAVAILABLE'
  | 'CANCELLED'
  | 'CONFLICT'
  | 'INTERNAL';

/** One refused request field, named by its proto path, e.g. `options.ttl`. */
export type BrokerFieldViolation = { readonly field: string; readonly description: string };

/** Options of a {@link BrokerError}. */
export type BrokerErrorInit = {
  readonly cause?: unknown;
  /** Every bad field (INVALID_ARGUMENT). */
  readonly violations?: readonly BrokerFieldViolation[];
  /** Machine-readable reason, e.g. `QUEUE_FULL`, with string metadata such as `queueLength`. */
  readonly reason?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  /** The missing or conflicting resource (NOT_FOUND), e.g. `{ type: 'pool', name: 'gpu' }`. */
  readonly resource?: { readonly type: string; readonly name: string };
  /** Overrides the code's default retryability. */
  readonly retryable?: boolean;
};

const RETRYABLE: ReadonlySet<BrokerErrorCode> = new Set(['RESOURCE_EXHAUSTED', 'UNAVAILABLE', 'CONFLICT']);

/** The broker's domain error: `code`, `cause`, `retryable` and structured details. */
export class BrokerError extends Error {
  override readonly name = 'BrokerError';
  readonly code: BrokerErrorCode;
  /** Whether the same request may succeed later (a full queue, a browser that is starting). */
  readonly retryable: boolean;
  readonly violations: readonly BrokerFieldViolation[];
  readonly reason: string | undefined;
  readonly metadata: Readonly<Record<string, string>>;
  readonly resource: { readonly type: string; readonly name: string } | undefined;

  constructor(code: BrokerErrorCode, message: string, init: BrokerErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = code;
    this.retryable = init.retryable ?? RETRYABLE.has(code);
    this.violations = init.violations ?? [];
    this.reason = init.reason;
    this.metadata = init.metadata ?? {};
    this.resource = init.resource;
  }

  /** Normalizes anything thrown into a BrokerError (`INTERNAL` for the unknown, with the original as `cause`). */
  static from(error: unknown): BrokerError {
    if (error instanceof BrokerError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new BrokerError('INTERNAL', message, { cause: error });
  }
}

/** Whether `e` is a {@link BrokerError}, optionally with code `code`. */
export function isBrokerError(e: unknown, code?: BrokerErrorCode): e is BrokerError {
  return e instanceof BrokerError && (code === undefined || e.code === code);
}

/** INVALID_ARGUMENT naming every bad field. */
export function invalidFields(violations: readonly BrokerFieldViolation[]): BrokerError {
  const message = violations.map((v) => `${v.field}: ${v.description}`).join('; ');
  return new BrokerError('INVALID_ARGUMENT', message, { violations });
}

/** NOT_FOUND for a resource of `type` named `name`. */
export function notFoundError(type: 'session' | 'pool' | 'target', name: string): BrokerError {
  return new BrokerError('NOT_FOUND', `${type} ${JSON.stringify(name)} not found`, { resource: { type, name } });
}

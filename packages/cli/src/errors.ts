/**
 * Exit codes scripts can rely on, the CLI's one error type, and the mapping
 * of a failed RPC (a ConnectError from a named service) to a one-line
 * message and an exit code. No stack trace ever reaches the user.
 */
import { Code, ConnectError } from '@connectrpc/connect';
import { BadRequestSchema } from '@nightglow/contracts/google/rpc';

/**
 * The process exit codes (documented in the README):
 * 0 ok; 1 the task ended unsuccessfully (FAILED, CANCELLED, TIMED_OUT);
 * 2 usage or bad input (flags, files, INVALID_ARGUMENT); 3 an endpoint could
 * not be reached; 4 not found; 5 any other server error; 6 refused
 * (UNAUTHENTICATED, PERMISSION_DENIED); 130 interrupted (Ctrl-C during `task run`).
 */
export const ExitCode = {
  OK: 0,
  TASK_UNSUCCESSFUL: 1,
  USAGE: 2,
  UNREACHABLE: 3,
  NOT_FOUND: 4,
  SERVER_ERROR: 5,
  REFUSED: 6,
  INTERRUPTED: 130,
} as const;
/** One of {@link ExitCode}'s values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the CLI reports as `nightglow: <message>` (plus `details` lines) and exits with `exitCode`. */
export class CliError extends Error {
  readonly exitCode: number;
  readonly details: readonly string[];
  /** `exitCode` should be one of {@link ExitCode}; a command may document others. */
  constructor(message: string, exitCode: number, opts: { cause?: unknown; details?: readonly string[] } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.details = opts.details ?? [];
  }
}

/** Bad input (a flag, an argument, a file): exit code 2. */
export function usageError(message: string, details: readonly string[] = []): CliError {
  return new CliError(message, ExitCode.USAGE, { details });
}

/** The services the CLI talks to. */
export type ServiceName = 'broker' | 'executor' | 'records';

/** How a service is named in messages. */
export const SERVICE_LABELS: Readonly<Record<ServiceName, string>> = {
  broker: 'the session broker',
  executor: 'the task executor',
  records: 'the record store',
};

/** A failed call to one service: which one, at which URL, and the Connect error. */
export class RpcFailure extends Error {
  readonly service: ServiceName;
  readonly url: string;
  readonly error: ConnectError;
  constructor(service: ServiceName, url: string, error: ConnectError) {
    super(`${SERVICE_LABELS[service]} at ${url}: ${error.rawMessage}`, { cause: error });
    this.name = 'RpcFailure';
    this.service = service;
    this.url = url;
    this.error = error;
  }
}

/** The Connect code of an RPC failure (or of a bare ConnectError); undefined for anything else. */
export function rpcCode(e: unknown): Code | undefined {
  if (e instanceof RpcFailure) return e.error.code;
  if (e instanceof ConnectError) return e.code;
  return undefined;
}

const NETWORK_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  UND_ERR_SOCKET: 'connection closed',
};

/** The network-level reason of a Connect error (`connection refused`, …), or undefined if the server answered. */
export function networkReason(e: ConnectError): string | undefined {
  let c: unknown = e.cause;
  for (let depth = 0; depth < 4 && c instanceof Error; depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string' && code in NETWORK_REASONS) return NETWORK_REASONS[code];
    c = c.cause;
  }
  return undefined;
}

const CODE_NAMES: Readonly<Partial<Record<Code, string>>> = {
  [Code.Canceled]: 'cancelled',
  [Code.Unknown]: 'unknown error',
  [Code.InvalidArgument]: 'invalid argument',
  [Code.DeadlineExceeded]: 'deadline exceeded',
  [Code.NotFound]: 'not found',
  [Code.AlreadyExists]: 'already exists',
  [Code.PermissionDenied]: 'permission denied',
  [Code.ResourceExhausted]: 'resource exhausted',
  [Code.FailedPrecondition]: 'failed precondition',
  [Code.Aborted]: 'aborted',
  [Code.OutOfRange]: 'out of range',
  [Code.Unimplemented]: 'unimplemented',
  [Code.Internal]: 'internal error',
  [Code.Unavailable]: 'unavailable',
  [Code.DataLoss]: 'data loss',
  [Code.Unauthenticated]: 'unauthenticated',
};

/** The exit code for a Connect code the server answered with. */
export function exitCodeFor(code: Code): ExitCode {
  switch (code) {
    case Code.InvalidArgument:
    case Code.OutOfRange:
      return ExitCode.USAGE;
    case Code.NotFound:
      return ExitCode.NOT_FOUND;
    case Code.Unauthenticated:
    case Code.PermissionDenied:
      return ExitCode.REFUSED;
    default:
      return ExitCode.SERVER_ERROR;
  }
}

/** `field: description` lines of a google.rpc.BadRequest detail, if any. */
export function fieldViolations(e: ConnectError): string[] {
  return e.findDetails(BadRequestSchema).flatMap((b) => b.fieldViolations.map((v) => `${v.field}: ${v.description}`));
}

/** Turns a failed RPC into the one-line message and exit code the user sees. */
export function fromRpcFailure(f: RpcFailure): CliError {
  const where = `${SERVICE_LABELS[f.service]} at ${f.url}`;
  const reason = networkReason(f.error);
  if (reason !== undefined) return new CliError(`cannot reach ${where} (${reason})`, ExitCode.UNREACHABLE);
  const name = CODE_NAMES[f.error.code] ?? 'error';
  const hint =
    f.error.code === Code.Unauthenticated && f.service === 'records'
      ? ['the record store needs an API key: pass --api-key or set NIGHTGLOW_API_KEY']
      : [];
  return new CliError(`${where}: ${name}: ${f.error.rawMessage}`, exitCodeFor(f.error.code), {
    details: [...fieldViolations(f.error), ...hint],
  });
}

/** Normalizes anything thrown by a command into a {@link CliError}. */
export function toCliError(e: unknown): CliError {
  if (e instanceof CliError) return e;
  if (e instanceof RpcFailure) return fromRpcFailure(e);
  if (e instanceof ConnectError) return new CliError(e.rawMessage, exitCodeFor(e.code));
  const message = e instanceof Error ? e.message : String(e);
  return new CliError(message, ExitCode.SERVER_ERROR);
}

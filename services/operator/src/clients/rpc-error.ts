/** Maps errors from the broker and executor clients onto {@link OperatorError}. */
import { Code, ConnectError } from '@connectrpc/connect';
import { OperatorError } from '../errors.js';

/** NOT_FOUND → NOT_FOUND, INVALID_ARGUMENT / FAILED_PRECONDITION / PERMISSION_DENIED → INVALID (terminal), the rest → UNAVAILABLE (retryable). */
export function fromRpcError(e: unknown, what: string): OperatorError {
  if (e instanceof OperatorError) return e;
  const ce = ConnectError.from(e);
  const message = `${what}: ${Code[ce.code]}: ${ce.rawMessage}`;
  switch (ce.code) {
    case Code.NotFound:
      return new OperatorError('NOT_FOUND', message, { cause: e });
    case Code.InvalidArgument:
    case Code.FailedPrecondition:
    case Code.PermissionDenied:
    case Code.OutOfRange:
      return new OperatorError('INVALID', message, { cause: e });
    case Code.AlreadyExists:
      return new OperatorError('ALREADY_EXISTS', message, { cause: e });
    default:
      return new OperatorError('UNAVAILABLE', message, { cause: e });
  }
}

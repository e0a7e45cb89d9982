/**
 * The one place domain errors become gRPC/Connect codes, with google.rpc
 * details: BadRequest field violations for INVALID_ARGUMENT, ResourceInfo for
 * NOT_FOUND, ErrorInfo reasons elsewhere. INTERNAL errors are rethrown as
 * they are, so the runtime logs them in full and answers a generic
 * `internal error` without their text.
 */
import { Code, ConnectError } from '@connectrpc/connect';
import { invalidArgument, notFound, resourceExhausted, withReason } from '@nightglow/runtime';
import { RecordStoreError } from '../errors.js';

/** The ConnectError a client sees for `e`, or `e` itself (unexpected errors) for the runtime to answer INTERNAL. */
export function toClientError(e: unknown): unknown {
  if (e instanceof ConnectError) return e;
  const err = RecordStoreError.from(e);
  switch (err.code) {
    case 'INVALID_ARGUMENT':
      return invalidArgument(
        err.fields.length > 0 ? err.fields : [{ field: '', description: err.message }],
        err.message,
      );
    case 'NOT_FOUND':
      return err.resource
        ? notFound(err.resource.type, err.resource.name)
        : new ConnectError(err.message, Code.NotFound);
    case 'ALREADY_EXISTS':
      return withReason(Code.AlreadyExists, 'ALREADY_EXISTS', err.message);
    case 'FAILED_PRECONDITION':
      return withReason(Code.FailedPrecondition, 'FAILED_PRECONDITION', err.message);
    case 'SEALED':
      return withReason(Code.FailedPrecondition, 'RECORD_SEALED', err.message);
    case 'UNAUTHENTICATED':
      return withReason(Code.Unauthenticated, 'UNAUTHENTICATED', err.message);
    case 'PERMISSION_DENIED':
      return withReason(Code.PermissionDenied, 'PERMISSION_DENIED', err.message);
    case 'RESOURCE_EXHAUSTED':
      return resourceExhausted('message size', err.message);
    case 'UNAVAILABLE':
      return withReason(Code.Unavailable, 'DATABASE_UNAVAILABLE', err.message);
    case 'INTERNAL':
      return e;
  }
}

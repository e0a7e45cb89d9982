/** Maps a Kubernetes `Status` answer onto an {@link OperatorError}. */
import { OperatorError, type OperatorErrorCode } from '../errors.js';

/** The fields of a `metav1.Status` the operator reads. */
export type KubeStatus = { message?: string; reason?: string; code?: number };

function codeFor(status: number, reason: string | undefined): OperatorErrorCode {
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return reason === 'AlreadyExists' ? 'ALREADY_EXISTS' : 'CONFLICT';
  if (status === 410) return 'GONE';
  if (status === 400 || status === 422) return 'INVALID';
  if (status === 401 || status === 403) return 'FORBIDDEN';
  if (status === 429 || status >= 500 || status === 0) return 'UNAVAILABLE';
  return 'INTERNAL';
}

/** The error for an HTTP `status` with its Status body; `what` names the call. */
export function fromStatus(status: number, body: KubeStatus, what: string): OperatorError {
  const code = codeFor(status, body.reason);
  return new OperatorError(code, `${what}: ${status} ${body.reason ?? ''} ${body.message ?? ''}`.trim(), {
    status,
    cause: body,
  });
}

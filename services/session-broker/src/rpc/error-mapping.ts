/**
 * The RPC boundary's error mapping: a {@link BrokerError} becomes the
 * ConnectError its code calls for, with google.rpc details (BadRequest field
 * violations, ResourceInfo, ErrorInfo with `reason` and metadata such as
 * `queueLength`, QuotaFailure). Anything else is left to the runtime, which
 * logs it and answers INTERNAL without its message.
 */
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { ErrorInfoSchema, QuotaFailureSchema } from '@nightglow/contracts/google/rpc';
import { invalidArgument, notFound, withReason } from '@nightglow/runtime';
import { BrokerError } from '../errors.js';

function exhausted(e: BrokerError): ConnectError {
  const metadata = { ...e.metadata };
  return new ConnectError(e.message, Code.ResourceExhausted, undefined, [
    {
      desc: ErrorInfoSchema,
      value: create(ErrorInfoSchema, { reason: e.reason ?? 'RESOURCE_EXHAUSTED', domain: 'nightglow.io', metadata }),
    },
    {
      desc: QuotaFailureSchema,
      value: create(QuotaFailureSchema, {
        violations: [{ subject: 'queue', description: `queueLength=${metadata['queueLength'] ?? '0'}` }],
      }),
    },
  ]);
}

/** The ConnectError for `e`, or `e` itself when it is not a BrokerError (or is INTERNAL). */
export function toConnectError(e: unknown): unknown {
  if (!(e instanceof BrokerError)) return e;
  switch (e.code) {
    case 'INVALID_ARGUMENT':
      return invalidArgument(e.violations, e.message);
    case 'NOT_FOUND':
      return e.resource ? notFound(e.resource.type, e.resource.name) : new ConnectError(e.message, Code.NotFound);
    case 'ALREADY_EXISTS':
      return new ConnectError(e.message, Code.AlreadyExists);
    case 'FAILED_PRECONDITION':
      return withReason(Code.FailedPrecondition, e.reason ?? 'FAILED_PRECONDITION', e.message, { ...e.metadata });
    case 'OUT_OF_RANGE':
      return withReason(Code.OutOfRange, e.reason ?? 'OUT_OF_RANGE', e.message, { ...e.metadata });
    case 'RESOURCE_EXHAUSTED':
      return exhausted(e);
    case 'UNAVAILABLE':
      return new ConnectError(e.message, Code.Unavailable);
    case 'CANCELLED':
    case 'CONFLICT':
      return new ConnectError(e.message, Code.Aborted);
    case 'INTERNAL':
      return e;
  }
}

/** Runs `fn`, rethrowing its error mapped by {@link toConnectError}. */
export async function mapErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toConnectError(e);
  }
}

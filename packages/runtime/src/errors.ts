/**
 * Error mapping at the RPC boundary. Domain code throws its own error types;
 * only here do they become Connect/gRPC codes. A domain error opts in by
 * implementing {@link RpcMappable}; anything else is an unexpected exception
 * and is answered INTERNAL with a generic message (and logged in full).
 */
import { Code, ConnectError } from '@connectrpc/connect';
import { create } from '@bufbuild/protobuf';
import {
  BadRequestSchema,
  BadRequest_FieldViolationSchema,
  ResourceInfoSchema,
  QuotaFailureSchema,
  ErrorInfoSchema,
} from '@nightglow/contracts/google/rpc';

/** A domain error that knows its own RPC representation. */
export type RpcMappable = { toConnectError(): ConnectError };

/** One invalid field of a request: a path such as `viewport.width` and why. */
export type FieldViolation = { readonly field: string; readonly description: string };

/** The generic message sent for an unexpected exception: never its real text. */
export const INTERNAL_MESSAGE = 'internal error';

function isRpcMappable(e: unknown): e is RpcMappable {
  return typeof e === 'object' && e !== null && typeof (e as RpcMappable).toConnectError === 'function';
}

/**
 * Normalizes anything thrown by a handler into the ConnectError sent to the
 * client. `unexpected` is called for errors that are neither ConnectErrors nor
 * RpcMappable (so the caller can log them in full); their message never leaves.
 */
export function toRpcError(e: unknown, unexpected: (e: unknown) => void): ConnectError {
  if (e instanceof ConnectError) return e;
  if (isRpcMappable(e)) return e.toConnectError();
  unexpected(e);
  return new ConnectError(INTERNAL_MESSAGE, Code.Internal);
}

/** INVALID_ARGUMENT with a google.rpc.BadRequest listing every bad field. */
export function invalidArgument(violations: readonly FieldViolation[], message?: string): ConnectError {
  const text = message ?? violations.map((v) => `${v.field}: ${v.description}`).join('; ');
  return new ConnectError(text, Code.InvalidArgument, undefined, [
    {
      desc: BadRequestSchema,
      value: create(BadRequestSchema, {
        fieldViolations: violations.map((v) =>
          create(BadRequest_FieldViolationSchema, { field: v.field, description: v.description }),
        ),
      }),
    },
  ]);
}

/** NOT_FOUND with a google.rpc.ResourceInfo naming the missing resource. */
export function notFound(resourceType: string, resourceName: string): ConnectError {
  return new ConnectError(`${resourceType} ${JSON.stringify(resourceName)} not found`, Code.NotFound, undefined, [
    { desc: ResourceInfoSchema, value: create(ResourceInfoSchema, { resourceType, resourceName }) },
  ]);
}

/** RESOURCE_EXHAUSTED with a google.rpc.QuotaFailure describing the limit hit. */
export function resourceExhausted(subject: string, description: string): ConnectError {
  return new ConnectError(description, Code.ResourceExhausted, undefined, [
    {
      desc: QuotaFailureSchema,
      value: create(QuotaFailureSchema, { violations: [{ subject, description }] }),
    },
  ]);
}

/**
 * An error with a machine-readable reason (google.rpc.ErrorInfo) under a code,
 * e.g. FAILED_PRECONDITION / `SESSION_NOT_READY`.
 */
export function withReason(
  code: Code,
  reason: string,
  message: string,
  metadata: Record<string, string> = {},
): ConnectError {
  return new ConnectError(message, code, undefined, [
    { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason, domain: 'nightglow.io', metadata }) },
  ]);
}

/**
 * The context of the RPC being served: request id, deadline and logger. It is
 * available to handlers through `ctx.values.get(callKey)` (or
 * {@link currentCall} anywhere below the handler), and outgoing clients read it
 * to propagate the deadline and request id to the next service.
 */
import { createContextKey } from '@connectrpc/connect';
import { context as otelContext, createContextKey as createOtelKey, type Context } from '@opentelemetry/api';
import type { Logger } from '../logging.js';

/** What the runtime knows about the call being served. */
export type CallContext = {
  /** From the caller's `x-request-id` header, or generated (UUID v4). */
  readonly requestId: string;
  /** `/package.Service/Method`. */
  readonly procedure: string;
  /** Absolute deadline (epoch ms), when the caller set one. */
  readonly deadline: number | undefined;
  /** Logger carrying request_id, rpc and trace_id. */
  readonly logger: Logger;
};

// The call rides in the OpenTelemetry context (one AsyncLocalStorage for both, not two).
const OTEL_CALL_KEY = createOtelKey('nightglow.call');

/** Handler-context key under which the runtime stores the {@link CallContext}. */
export const callKey = createContextKey<CallContext | undefined>(undefined, {
  description: 'nightglow call context',
});

/** The call being served by the current async flow, if any. */
export function currentCall(): CallContext | undefined {
  return otelContext.active().getValue(OTEL_CALL_KEY) as CallContext | undefined;
}

/** The OpenTelemetry context `parent` with `call` as its current call; run code in it with `context.with`. */
export function withCall(parent: Context, call: CallContext): Context {
  return parent.setValue(OTEL_CALL_KEY, call);
}
